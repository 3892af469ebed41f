import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import type { BuilderIdentity } from "../experiment/types.ts";
import { type Builder, buildxArgs, runDocker } from "./builder.ts";

/** What `docker buildx inspect` says of a builder's first node. */
export interface InspectInfo {
  name?: string;
  driver?: string;
  endpoint?: string;
  status?: string;
  buildkitVersion?: string;
  labels: Record<string, string>;
}

/**
 * Parses `docker buildx inspect` text. Fields are `Key: value` lines; worker labels follow a
 * `Labels:` line, indented, until the next unindented line. buildx ≤ 0.10 says `Buildkit:` where
 * newer ones say `BuildKit version:`.
 */
export function parseInspect(text: string): InspectInfo {
  const info: InspectInfo = { labels: {} };
  let inLabels = false;
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\s+$/, "");
    if (inLabels) {
      const label = /^\s+([\w.\-/]+):\s*(.*)$/.exec(line);
      if (label) {
        info.labels[label[1]] = label[2];
        continue;
      }
      inLabels = false;
    }
    const field = /^([A-Za-z][\w ]*?):\s*(.*)$/.exec(line);
    if (!field) continue;
    const [, key, value] = field;
    if (key === "Nodes") section = "nodes";
    if (key === "Labels") {
      inLabels = true;
      continue;
    }
    if (key === "Name" && section === "" && info.name === undefined) info.name = value;
    else if (key === "Driver") info.driver ??= value;
    else if (key === "Endpoint") info.endpoint ??= value;
    else if (key === "Status") info.status ??= value;
    else if (key === "BuildKit version" || key === "Buildkit") info.buildkitVersion ??= value;
  }
  return info;
}

/** The version in `docker buildx version` output: `github.com/docker/buildx 0.29.1 …` → `0.29.1`. */
export function parseBuildxVersion(text: string): string | undefined {
  return /buildx\s+v?([0-9][^\s]*)/.exec(text)?.[1];
}

/** A BuildKit version worth recording; Debian's builds report `v0.0.0+unknown`, which says nothing. */
export function meaningfulVersion(version: string | undefined): string | undefined {
  if (!version || /^v?0\.0\.0/.test(version)) return undefined;
  return version;
}

/**
 * The image store behind a `docker`-driver builder, from `docker info`'s DriverStatus: the
 * containerd image store reports `driver-type io.containerd.snapshotter.v1`.
 */
export function workerModeFromDriverStatus(
  driverStatus: [string, string][] | null | undefined,
): "graphdriver" | "containerd" {
  const type = driverStatus?.find(([key]) => key === "driver-type")?.[1] ?? "";
  return type.includes("snapshotter") ? "containerd" : "graphdriver";
}

/** Matches a MergeOp vertex name in a raw stream: `[2/2] LINK COPY --link b /`. */
const LINK_VERTEX = /"name":\s*"\[[^\]]*\] LINK COPY/;

/**
 * Finds out whether the builder's frontend emits a MergeOp for `COPY --link`: it builds two linked
 * copies onto scratch and looks for a `LINK` vertex in the raw progress. The Dockerfile frontend
 * falls back to a plain copy silently, so only a build can tell.
 */
export async function probeMergeOp(builder: Builder, signal?: AbortSignal): Promise<boolean> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "bkmt-probe-"));
  try {
    await writeFile(path.join(dir, "a.txt"), `probe ${Date.now()}\n`);
    await writeFile(path.join(dir, "b.txt"), "b\n");
    await writeFile(
      path.join(dir, "Dockerfile"),
      "FROM scratch\nCOPY --link a.txt /\nCOPY --link b.txt /\n",
    );
    const result = await runDocker(
      builder,
      buildxArgs(builder, "build", "--progress=rawjson", dir),
      {
        reject: false,
        cancelSignal: signal,
      },
    );
    if (result.exitCode !== 0) {
      throw new UserError(`the MergeOp probe build failed on builder ${builder.name}`, {
        hint: `buildx said: ${String(result.stderr).trim().split("\n").slice(-3).join(" / ")}`,
      });
    }
    return LINK_VERTEX.test(String(result.stderr));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Everything the report says about who ran the builds, asked of the builder itself. */
export async function identifyBuilder(
  builder: Builder,
  options: { signal?: AbortSignal; probe?: boolean } = {},
): Promise<BuilderIdentity> {
  const run = (args: string[]) =>
    runDocker(builder, args, { reject: false, cancelSignal: options.signal });

  const inspected = await run(buildxArgs(builder, "inspect", "--bootstrap"));
  if (inspected.exitCode !== 0) {
    throw new UserError(
      `expected a running buildx builder${builder.buildxBuilder ? ` named "${builder.buildxBuilder}"` : ""}, ` +
        `but \`docker buildx inspect\` failed: ${String(inspected.stderr).trim().split("\n").at(-1)}`,
      { hint: "run `docker buildx ls` to list the builders you have" },
    );
  }
  const info = parseInspect(String(inspected.stdout));
  const buildx = parseBuildxVersion(String((await run(["buildx", "version"])).stdout));
  const driver = info.driver ?? "unknown";

  // The engine's own version and image store are known only for the docker driver, where the
  // builder is the daemon itself.
  let engineVersion: string | undefined;
  let workerMode: BuilderIdentity["workerMode"] = "buildkitd";
  if (driver === "docker") {
    const version = await run(["version", "--format", "{{.Server.Version}}"]);
    engineVersion = String(version.stdout).trim() || undefined;
    const status = await run(["info", "--format", "{{json .DriverStatus}}"]);
    workerMode = workerModeFromDriverStatus(safeJson(String(status.stdout)));
  }
  const mergeOp = options.probe === false ? "unknown" : await probeMergeOp(builder, options.signal);

  return {
    name: builder.name,
    source: builder.source,
    driver,
    endpoint: info.endpoint ?? builder.env.DOCKER_HOST ?? "default",
    engineVersion,
    buildxVersion: buildx,
    buildkitVersion: meaningfulVersion(info.buildkitVersion),
    workerLabels: info.labels,
    workerMode,
    mergeOp,
    packages: builder.packages,
  };
}

function safeJson(text: string): [string, string][] | undefined {
  try {
    return JSON.parse(text) as [string, string][];
  } catch {
    return undefined;
  }
}
