import { execa, type Options } from "execa";

/**
 * A builder the study runs on: a lab engine, or a `docker buildx` builder the user already has.
 * Everything runs through the builder's own docker CLI and environment.
 */
export interface Builder {
  /** Name in this run, e.g. `sid-containerd` or the user's builder name. */
  name: string;
  source: "lab" | "user";
  /** The docker CLI to run. */
  docker: string;
  /** Variables added to the environment of every docker command (DOCKER_HOST, DOCKER_CONFIG …). */
  env: Record<string, string>;
  /** Passed as `docker buildx --builder NAME`; undefined uses the CLI's current builder. */
  buildxBuilder?: string;
  /** Debian package versions, for lab builders. */
  packages?: Record<string, string>;
}

/** argv for a buildx subcommand on this builder: `buildx [--builder NAME] …args`. */
export function buildxArgs(builder: Builder, ...args: string[]): string[] {
  return builder.buildxBuilder
    ? ["buildx", "--builder", builder.buildxBuilder, ...args]
    : ["buildx", ...args];
}

/** Runs the builder's docker CLI; the environment is the process's plus the builder's. */
export function runDocker(builder: Builder, args: string[], options: Options = {}) {
  return execa(builder.docker, args, {
    ...options,
    env: { ...process.env, ...builder.env, ...(options.env ?? {}) },
    extendEnv: false,
  });
}
