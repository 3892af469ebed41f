import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type Builder, buildxArgs, runDocker } from "../builders/builder.ts";
import { type Effects, timed } from "../core/effects.ts";
import { UserError } from "../core/errors.ts";

/** The shell commands the slow stage's `RUN` needs, as links to busybox. */
const APPLETS = ["sh", "sleep", "echo", "cat", "ls"];

/**
 * Builds and pushes the run's base images, standing in for `ubuntu` (Docker Hub is out of reach):
 * busybox with a shell, and a file that tells base `a` from base `b`, so a rebase really changes
 * the layers below.
 */
export async function pushBaseImages(options: {
  builder: Builder;
  busybox: string;
  refs: Record<string, string>;
  effects: Effects;
}): Promise<Record<string, string>> {
  const { builder, busybox, refs, effects } = options;
  const context = await mkdtemp(path.join(os.tmpdir(), "bkmt-base-"));
  try {
    await mkdir(path.join(context, "bin"));
    await copyFile(busybox, path.join(context, "bin", "busybox"));
    await chmod(path.join(context, "bin", "busybox"), 0o755);
    for (const applet of APPLETS) await symlink("busybox", path.join(context, "bin", applet));
    await writeFile(
      path.join(context, "Dockerfile"),
      // The Dockerfile's own variable, not a JavaScript one.
      [
        "FROM scratch",
        "COPY bin /bin",
        "ARG RELEASE",
        "COPY release-$RELEASE /etc/base-release",
        "",
      ].join("\n"),
    );
    for (const [name, ref] of Object.entries(refs)) {
      await writeFile(path.join(context, `release-${name}`), `base ${name}\n`);
      await timed(effects, `push base image ${name} from ${builder.name}`, async () => {
        const result = await runDocker(
          builder,
          buildxArgs(
            builder,
            "build",
            "--progress=plain",
            "--build-arg",
            `RELEASE=${name}`,
            "--output",
            `type=image,name=${ref},push=true`,
            context,
          ),
          { reject: false, cancelSignal: effects.signal },
        );
        if (result.exitCode !== 0) {
          throw new UserError(`could not push the base image ${ref} from ${builder.name}`, {
            hint: `buildx said: ${String(result.stderr).trim().split("\n").slice(-4).join("\n  ")}`,
          });
        }
      });
    }
    return refs;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
