import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Builder } from "../builders/builder.ts";
import { JsonCheckpoint } from "../core/checkpoint.ts";
import { type Effects, formatDuration } from "../core/effects.ts";
import { writeJsonAtomic } from "../core/files.ts";
import { renderDockerfile } from "../scenarios/dockerfiles.ts";
import { pushBaseImages } from "./base-images.ts";
import { runBuild } from "./build.ts";
import { LiveDisplay } from "./display.ts";
import { baseRef, cellKey, newRunId, type RunNames } from "./naming.ts";
import type {
  BuilderIdentity,
  BuildRecord,
  CacheBackend,
  Cell,
  RunInfo,
  ScenarioSpec,
  Variant,
  Verdict,
} from "./types.ts";
import { computeVerdicts } from "./verdicts.ts";

export const VARIANTS: Variant[] = ["link", "plain"];
export const BACKENDS: CacheBackend[] = ["inline", "registry-min", "registry-max", "local"];

export interface RunOptions {
  builders: Builder[];
  identities: BuilderIdentity[];
  scenarios: ScenarioSpec[];
  variants: Variant[];
  backends: CacheBackend[];
  /** `host:port` of the registry every builder pushes to and pulls from. */
  registry: string;
  /** The registry's access log, when this machine has it (the lab's registry). */
  accessLog?: string;
  /** Folder that holds run folders (`output/`). */
  outputDir: string;
  /** How many builders build at once. */
  concurrency: number;
  /** busybox binary for the base images. */
  busybox: string;
  sleepSeconds?: number;
  /** How this run departs from the original setup, for the report. */
  departures: string[];
  tools: Record<string, string>;
  argv: string[];
  effects: Effects;
  /** Terminal display on or off; defaults to whether stderr is a terminal. */
  tty?: boolean;
}

export interface RunOutcome {
  runDir: string;
  info: RunInfo;
  builds: BuildRecord[];
  verdicts: Verdict[];
  interrupted: boolean;
}

/** One cell's work: the builds of one scenario, variant and backend on one builder, in order. */
interface CellJob {
  cell: Cell;
  scenario: ScenarioSpec;
}

/**
 * Runs the whole matrix. Builders work in parallel, each through its own cells one after another;
 * every build is written to the run folder as soon as it ends, so an interrupted run can still be
 * read (and is marked incomplete).
 */
export async function runExperiment(options: RunOptions): Promise<RunOutcome> {
  const { effects } = options;
  const runId = newRunId(new Date(effects.now()), randomBytes(2).toString("hex"));
  const runDir = path.join(options.outputDir, runId);
  await mkdir(runDir, { recursive: true });
  const names: RunNames = { runId, registry: options.registry };

  // Record who runs what before the first build, so even a run stopped at once says so.
  const info: RunInfo = {
    id: runId,
    startedAt: new Date(effects.now()).toISOString(),
    complete: false,
    host: {
      hostname: os.hostname(),
      platform: os.platform(),
      arch: os.arch(),
      kernel: os.release(),
    },
    tools: options.tools,
    builders: options.identities,
    registry: options.registry,
    scenarios: options.scenarios,
    dockerfiles: dockerfiles(options.scenarios, options.variants, names),
    departures: options.departures,
    argv: options.argv,
  };
  await writeJsonAtomic(path.join(runDir, "run.json"), info);

  // results.json follows the run within a second; rewriting it after every build would cost
  // more than the builds as it grows.
  const builds: BuildRecord[] = [];
  const results = new JsonCheckpoint(path.join(runDir, "results.json"), () => ({ builds }));
  await results.flush();

  const display = new LiveDisplay(effects, { tty: options.tty });
  let interrupted = false;
  try {
    // The base images stand in for `ubuntu`; one builder pushes them for all.
    await pushBaseImages({
      builder: options.builders[0],
      busybox: options.busybox,
      refs: { a: baseRef(names, "a"), b: baseRef(names, "b") },
      effects,
    });

    const queues = options.builders.map((builder) => ({
      builder,
      jobs: cellJobs(options, builder.name),
    }));
    const total = queues.reduce(
      (sum, q) => sum + q.jobs.reduce((n, j) => n + j.scenario.builds.length, 0),
      0,
    );
    let done = 0;

    const runQueue = async (queue: (typeof queues)[number]) => {
      const progress = {
        builder: queue.builder.name,
        scenario: "",
        build: "",
        done: 0,
        total: queue.jobs.reduce((n, j) => n + j.scenario.builds.length, 0),
        failures: 0,
        startedAt: effects.now(),
        finished: false,
      };
      for (const job of queue.jobs) {
        for (const spec of job.scenario.builds) {
          if (effects.signal.aborted) return;
          display.update({ ...progress, scenario: cellLabel(job.cell), build: spec.id });
          const began = effects.now();
          const record = await runBuild(queue.builder, job.scenario, spec, job.cell, {
            names,
            runDir,
            accessLog: options.accessLog,
            signal: effects.signal,
            sleepSeconds: options.sleepSeconds,
          }).catch((error: Error) => failedRecord(job.cell, spec.id, error, began, effects.now()));
          if (effects.signal.aborted && record.exitCode !== 0) {
            record.outcome = "failed";
            record.errorText = `${record.errorText ?? ""}\ninterrupted`.trim();
          }
          builds.push(record);
          results.touch();
          done++;
          progress.done++;
          if (record.outcome !== "ok") progress.failures++;
          display.finished(
            `${String(done).padStart(3)}/${total} ${queue.builder.name} ${cellLabel(job.cell)} ` +
              `${spec.id} → ${record.outcome} in ${formatDuration(record.durationMs)}`,
          );
          // A refused backend refuses every build of the cell; its first refusal is the record.
          if (record.outcome === "unsupported") {
            progress.done += job.scenario.builds.length - 1 - job.scenario.builds.indexOf(spec);
            break;
          }
        }
      }
      display.update({ ...progress, finished: true });
    };

    await runLimited(queues, options.concurrency, runQueue);
    interrupted = effects.signal.aborted;
  } catch (error) {
    interrupted = effects.signal.aborted;
    if (!interrupted) throw error;
  } finally {
    display.stop();
    await results.flush();
  }

  // Verdicts come from whatever was measured, also for a partial run.
  const verdicts = computeVerdicts(options.scenarios, builds);
  await writeJsonAtomic(path.join(runDir, "verdicts.json"), { verdicts });
  info.endedAt = new Date(effects.now()).toISOString();
  info.complete = !interrupted;
  await writeJsonAtomic(path.join(runDir, "run.json"), info);
  return { runDir, info, builds, verdicts, interrupted };
}

/** A build that could not even run (its prune failed, say) is still recorded, with the reason. */
function failedRecord(
  cell: Cell,
  build: string,
  error: Error,
  began: number,
  now: number,
): BuildRecord {
  return {
    cell,
    build,
    command: [],
    dockerfile: "",
    files: {},
    startedAt: new Date(began).toISOString(),
    endedAt: new Date(now).toISOString(),
    durationMs: now - began,
    exitCode: -1,
    outcome: "failed",
    errorText: error.message,
    streamFile: "",
    vertices: [],
  };
}

function cellLabel(cell: Cell): string {
  return `${cell.scenario}/${cell.variant}/${cell.backend}`;
}

/** Every cell of one builder, scenario by scenario. */
function cellJobs(options: RunOptions, builder: string): CellJob[] {
  const jobs: CellJob[] = [];
  for (const scenario of options.scenarios) {
    for (const variant of options.variants) {
      for (const backend of options.backends) {
        jobs.push({ cell: { scenario: scenario.id, variant, backend, builder }, scenario });
      }
    }
  }
  return jobs;
}

/** The Dockerfiles of the run, by `template/variant`, as built with base image `a`. */
function dockerfiles(scenarios: ScenarioSpec[], variants: Variant[], names: RunNames) {
  const out: Record<string, string> = {};
  for (const s of scenarios) {
    for (const v of variants) {
      out[`${s.dockerfile}/${v}`] = renderDockerfile(s.dockerfile, v, baseRef(names, "a"));
    }
  }
  return out;
}

/** Runs `work` over items with at most `limit` at once. */
async function runLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}

export { cellKey };
