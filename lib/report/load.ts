import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import type { Results, RunInfo, Verdict, Verdicts } from "../experiment/types.ts";
import { orderBuilds, orderVerdicts } from "./order.ts";

/**
 * Everything the report reads from one run folder. Builds and verdicts are in reading order
 * (`order.ts`), not in the order builds finished, so every table, chart and list follows it.
 */
export interface RunData {
  /** The run folder, as given. */
  dir: string;
  run: RunInfo;
  results: Results;
  verdicts: Verdict[];
  /** True when the run did not finish or a file is missing; the report says so at the top. */
  partial: boolean;
  /** Which of the run's files were missing, e.g. `verdicts.json`. */
  missing: string[];
}

const hint =
  "pass a folder made by the experiment, e.g. `output/<run-id>`; `ls output/` lists them";

/**
 * Reads `run.json`, `results.json` and `verdicts.json` from a run folder. Only `run.json` is
 * required: a run that was interrupted still gets a report, marked partial.
 */
export async function loadRun(dir: string): Promise<RunData> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    const what = info ? "a file" : "nothing";
    throw new UserError(`Expected a run folder holding run.json, got "${dir}", which is ${what}`, {
      hint,
    });
  }

  const run = await readJson<RunInfo>(dir, "run.json");
  if (run === undefined) {
    throw new UserError(`Expected a run folder holding run.json, got "${dir}" without one`, {
      hint,
    });
  }
  if (typeof run.id !== "string" || !Array.isArray(run.builders)) {
    throw new UserError(
      `Expected ${path.join(dir, "run.json")} to describe a run (an id and builders), got ${describeShape(run)}`,
      { hint: "was it written by notebooks/experiment.ts? Re-run the experiment to make one" },
    );
  }

  const missing: string[] = [];
  const results = await readJson<Results>(dir, "results.json");
  if (results === undefined) missing.push("results.json");
  const verdicts = await readJson<Verdicts>(dir, "verdicts.json");
  if (verdicts === undefined) missing.push("verdicts.json");

  if (!Array.isArray(run.scenarios)) run.scenarios = [];
  return {
    dir,
    run,
    results: { builds: orderBuilds(run, Array.isArray(results?.builds) ? results.builds : []) },
    verdicts: orderVerdicts(run, Array.isArray(verdicts?.verdicts) ? verdicts.verdicts : []),
    partial: !run.complete || missing.length > 0,
    missing,
  };
}

/** Reads one JSON file of the run folder; undefined when it does not exist. */
async function readJson<T>(dir: string, name: string): Promise<T | undefined> {
  const file = path.join(dir, name);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new UserError(`Expected JSON in ${file}, got text that does not parse`, {
      hint: `${(error as Error).message}; the run may have been cut off while writing`,
      cause: error,
    });
  }
}

function describeShape(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const keys = Object.keys(value);
  return keys.length ? `an object with ${keys.slice(0, 6).join(", ")}` : "an empty object";
}

/** Whether a folder looks like a run folder, without reading more than it must. */
export async function isRunFolder(dir: string): Promise<boolean> {
  return (await stat(path.join(dir, "run.json")).catch(() => undefined))?.isFile() ?? false;
}
