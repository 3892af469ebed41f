import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { UserError } from "../core/errors.ts";
import { SCENARIOS } from "../scenarios/scenarios.ts";
import { BACKENDS, VARIANTS } from "./runner.ts";
import type { CacheBackend, Variant } from "./types.ts";

export const EXPERIMENT_USAGE = `usage: npx zx notebooks/experiment.ts [options]

  --builders NAME,…       your own buildx builders (default: the lab's four)
  --lab-builders NAME,…   only these lab builders (e.g. sid-containerd,sid-graphdriver)
  --registry HOST:PORT    registry every builder can push to (required with --builders)
  --access-log FILE       that registry's access log, for push evidence (the lab's is used by default)
  --scenarios ID,…        ${SCENARIOS.map((s) => s.id).join(", ")} (default: all)
  --variants V,…          ${VARIANTS.join(", ")} (default: both)
  --backends B,…          ${BACKENDS.join(", ")} (default: all)
  --output DIR            where run folders go (default: output)
  --concurrency N         builders building at once (default: all)
  --sleep SECONDS         how long the slow stage sleeps (default: 5)
  --busybox FILE          busybox binary for the base images (default: the lab's)
  --keep-lab              leave a lab this run started running
  --no-report             skip the HTML report
`;

export interface ExperimentOptions {
  builders?: string[];
  labBuilders?: string[];
  registry?: string;
  accessLog?: string;
  scenarios: string[];
  variants: Variant[];
  backends: CacheBackend[];
  output: string;
  concurrency?: number;
  sleepSeconds: number;
  busybox?: string;
  keepLab: boolean;
  report: boolean;
}

/** Splits a comma list and checks every item against the allowed values. */
function choose<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  what: string,
): T[] {
  if (value === undefined) return [...allowed];
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.filter((item) => !(allowed as readonly string[]).includes(item));
  if (items.length === 0 || bad.length > 0) {
    throw new UserError(`expected ${what} from ${allowed.join(", ")}, got "${value}"`, {
      hint: `for example --${what.replace(/ .*/, "")}s ${allowed[0]}`,
    });
  }
  return items as T[];
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new UserError(`expected a whole number of at least 1 for ${flag}, got "${value}"`);
  }
  return n;
}

/** Reads the experiment's command line; every mistake gets a message saying what was expected. */
export function parseExperimentArgs(args: string[]): ExperimentOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UserError((error as Error).message, { hint: EXPERIMENT_USAGE });
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) {
    throw new UserError(`expected only options, got "${positionals.join(" ")}"`, {
      hint: EXPERIMENT_USAGE,
    });
  }
  const list = (v: string | undefined) =>
    v
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  const builders = list(values.builders);
  if (builders && values["lab-builders"]) {
    throw new UserError("expected either --builders (your own) or --lab-builders, got both");
  }
  if (builders && !values.registry) {
    throw new UserError("--builders needs --registry HOST:PORT", {
      hint: "every builder must reach that registry; run `docker buildx ls` to list your builders",
    });
  }
  if (values.registry && !/^[\w.-]+(:\d+)?$/.test(values.registry)) {
    throw new UserError(`expected --registry as HOST:PORT, got "${values.registry}"`);
  }
  for (const [flag, file] of [
    ["--access-log", values["access-log"]],
    ["--busybox", values.busybox],
  ] as const) {
    if (file !== undefined && !existsSync(file)) {
      throw new UserError(`expected ${flag} to name an existing file, got "${file}"`);
    }
  }
  const sleep = values.sleep === undefined ? 5 : Number(values.sleep);
  if (!Number.isFinite(sleep) || sleep < 0 || sleep > 600) {
    throw new UserError(`expected --sleep as seconds from 0 to 600, got "${values.sleep}"`);
  }
  return {
    builders,
    labBuilders: list(values["lab-builders"]),
    registry: values.registry,
    accessLog: values["access-log"],
    scenarios: choose(
      values.scenarios,
      SCENARIOS.map((s) => s.id),
      "scenario",
    ),
    variants: choose(values.variants, VARIANTS, "variant"),
    backends: choose(values.backends, BACKENDS, "backend"),
    output: values.output ?? "output",
    concurrency: positiveInteger(values.concurrency, "--concurrency"),
    sleepSeconds: sleep,
    busybox: values.busybox,
    keepLab: values["keep-lab"] ?? false,
    report: !values["no-report"],
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      builders: { type: "string" },
      "lab-builders": { type: "string" },
      registry: { type: "string" },
      "access-log": { type: "string" },
      scenarios: { type: "string" },
      variants: { type: "string" },
      backends: { type: "string" },
      output: { type: "string" },
      concurrency: { type: "string" },
      sleep: { type: "string" },
      busybox: { type: "string" },
      "keep-lab": { type: "boolean" },
      "no-report": { type: "boolean" },
    },
  });
}
