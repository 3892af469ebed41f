import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type Builder, buildxArgs, runDocker } from "../builders/builder.ts";
import { pruneBuildCache, pruneImages, unixSocket } from "../builders/engine-api.ts";
import { captureBuild } from "../progress/capture.ts";
import type { Trace } from "../progress/types.ts";
import { accessLogSize } from "../registry/access-log.ts";
import { inspectImage } from "../registry/api.ts";
import { awaitPushEvidence } from "../registry/push.ts";
import { renderDockerfile } from "../scenarios/dockerfiles.ts";
import {
  baseRef,
  buildFiles,
  cacheFromArgs,
  cacheToArgs,
  cellRepository,
  imageRef,
  type RunNames,
} from "./naming.ts";
import type { BuildRecord, BuildSpec, Cell, ScenarioSpec, VertexOutcome } from "./types.ts";

/** Where a run's builds go and how they reach the registry. */
export interface BuildContext {
  names: RunNames;
  runDir: string;
  /** The registry's access log, when the registry is the lab's (a user's registry has none here). */
  accessLog?: string;
  signal?: AbortSignal;
  sleepSeconds?: number;
  /** Called with each fresh trace while a build runs, for the live display. */
  onTrace?: (trace: Trace) => void;
}

/** Messages with which BuildKit or buildx refuse a cache backend the builder cannot do. */
const UNSUPPORTED = [
  /cache export is not supported/i,
  /cache export feature is currently not supported/i,
  /not supported for the docker driver/i,
  /switch to a different driver/i,
  /cache (export|import)er .* not supported/i,
];

export function isUnsupported(errorText: string): boolean {
  return UNSUPPORTED.some((pattern) => pattern.test(errorText));
}

/** The argv of one build, exactly as it is run. */
export function buildCommand(
  builder: Builder,
  spec: BuildSpec,
  cell: Cell,
  context: Pick<BuildContext, "names" | "runDir">,
  contextDir: string,
): string[] {
  const args = ["build", "--progress=rawjson"];
  for (const source of spec.cacheFrom) {
    args.push(...cacheFromArgs(cell.backend, context.names, cell, source, context.runDir));
  }
  if (spec.cacheTo) {
    args.push(...cacheToArgs(cell.backend, context.names, cell, spec.id, context.runDir));
  }
  if (spec.push) {
    args.push("--output", `type=image,name=${imageRef(context.names, cell, spec.id)},push=true`);
  }
  args.push(contextDir);
  return buildxArgs(builder, ...args);
}

/**
 * Removes the builder's own build cache, and with `images` the docker driver's images (and so the
 * blobs of its content store), so that nothing local can hit. A lab engine is asked directly over
 * its socket; a named buildx builder through the CLI.
 */
export async function pruneBuilder(
  builder: Builder,
  images: boolean,
  signal?: AbortSignal,
): Promise<void> {
  const socket = builder.buildxBuilder ? undefined : unixSocket(builder.env.DOCKER_HOST);
  if (socket) {
    await pruneBuildCache(socket, signal).catch((error: Error) => {
      throw new Error(`build cache prune failed on ${builder.name}: ${error.message}`);
    });
    if (images) await pruneImages(socket, signal);
    return;
  }
  const prune = await runDocker(builder, buildxArgs(builder, "prune", "--all", "--force"), {
    reject: false,
    cancelSignal: signal,
  });
  if (prune.exitCode !== 0) {
    throw new Error(
      `docker buildx prune failed on ${builder.name}: ${String(prune.stderr).trim()}`,
    );
  }
}

/** Flattens the trace's vertices into the results' per-vertex outcomes. */
export function vertexOutcomes(trace: Trace): VertexOutcome[] {
  return trace.vertices.map((v) => ({
    digest: v.digest,
    name: v.name,
    number: v.number,
    step: v.step,
    instruction: v.instruction,
    role: v.role,
    cached: v.cached,
    cachedEver: v.cached || v.cachedEver,
    runs: v.spans.length,
    displayCached: v.displayCached,
    groupId: v.progressGroup?.id,
    started: v.started,
    completed: v.completed,
    durationMs: v.durationMs,
    error: v.error,
    canceled: v.canceled,
  }));
}

/**
 * Runs one build of a cell: prunes first if the scenario says so, writes the context, runs buildx
 * with the raw progress captured to the run folder, then reads the push from the registry's
 * access log and the pushed image's layers from the registry API.
 */
export async function runBuild(
  builder: Builder,
  scenario: ScenarioSpec,
  spec: BuildSpec,
  cell: Cell,
  context: BuildContext,
): Promise<BuildRecord> {
  if (spec.pruneBefore) await pruneBuilder(builder, spec.pruneImages, context.signal);

  const dir = await mkdtemp(path.join(os.tmpdir(), "bkmt-build-"));
  try {
    const dockerfile = renderDockerfile(
      scenario.dockerfile,
      cell.variant,
      baseRef(context.names, spec.base),
      { sleepSeconds: context.sleepSeconds },
    );
    await writeFile(path.join(dir, "Dockerfile"), dockerfile);
    for (const [name, content] of Object.entries(spec.files)) {
      await writeFile(path.join(dir, name), content);
    }
    const files = buildFiles(cell, spec.id);
    if (spec.cacheTo && cell.backend === "local") {
      await mkdir(path.join(context.runDir, files.localCache), { recursive: true });
    }
    const command = buildCommand(builder, spec, cell, context, dir);
    const offset = spec.push && context.accessLog ? await accessLogSize(context.accessLog) : 0;

    const capture = await captureBuild({
      args: command,
      cwd: dir,
      env: { ...builder.env, PATH: `${path.dirname(builder.docker)}:${process.env.PATH ?? ""}` },
      streamFile: path.join(context.runDir, files.stream),
      signal: context.signal,
      onTrace: context.onTrace,
    });
    const errorText = capture.errorText.trim();
    const outcome =
      capture.exitCode === 0 ? "ok" : isUnsupported(errorText) ? "unsupported" : "failed";
    const record: BuildRecord = {
      cell,
      build: spec.id,
      command: [builder.docker, ...command],
      dockerfile,
      files: spec.files,
      startedAt: capture.startedAt,
      endedAt: capture.endedAt,
      durationMs: capture.durationMs,
      exitCode: capture.exitCode,
      outcome,
      errorText: errorText || undefined,
      streamFile: files.stream,
      vertices: vertexOutcomes(capture.trace),
    };

    // The push, from the registry's side, and the pushed image's layers. Evidence that cannot be
    // read is noted on the build rather than losing the build.
    if (outcome === "ok" && spec.push) {
      await attachPushEvidence(record, spec, cell, context, offset).catch((error: Error) => {
        record.errorText = `push evidence unavailable: ${error.message}`;
      });
    }
    return record;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function attachPushEvidence(
  record: BuildRecord,
  spec: BuildSpec,
  cell: Cell,
  context: BuildContext,
  offset: number,
) {
  const repository = cellRepository(context.names, cell);
  const tag = imageRef(context.names, cell, spec.id).split(":").at(-1)!;
  if (context.accessLog) {
    const { nextOffset: _, ...push } = await awaitPushEvidence({
      accessLog: context.accessLog,
      fromOffset: offset,
      repository,
      tag,
      signal: context.signal,
    });
    record.push = push;
  }
  record.image = await inspectImage(context.names.registry, repository, tag);
}
