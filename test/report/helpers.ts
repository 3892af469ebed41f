import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type {
  BuildRecord,
  CacheBackend,
  Cell,
  Results,
  RunInfo,
  Variant,
  Verdict,
  Verdicts,
} from "../../lib/experiment/types.ts";

/** The run folder fixture: the one folder under fixtures/runs/. */
export async function fixtureRunDir(): Promise<string> {
  const root = fileURLToPath(new URL("../../fixtures/runs/", import.meta.url));
  const entries = await readdir(root, { withFileTypes: true });
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  if (dirs.length !== 1)
    throw new Error(`expected one run folder in ${root}, got ${dirs.join(", ")}`);
  return path.join(root, dirs[0]);
}

/**
 * A copy of the fixture in a fresh temporary output folder, since rendering writes report.html
 * and findings.md beside the data. Returns the copy and a function that removes it.
 */
export async function copyFixture(): Promise<{
  outputDir: string;
  runDir: string;
  cleanup: () => Promise<void>;
}> {
  const source = await fixtureRunDir();
  const outputDir = await mkdtemp(path.join(os.tmpdir(), "report-test-"));
  const runDir = path.join(outputDir, path.basename(source));
  await cp(source, runDir, { recursive: true });
  return { outputDir, runDir, cleanup: () => rm(outputDir, { recursive: true, force: true }) };
}

/** The scenarios of a full run, in run.json's order; the synthetic run clones the seed into each. */
export const fullScenarios = [
  "seed",
  "controlled",
  "controlled-blobs-kept",
  "rebase",
  "slow-stage",
];
export const fullBuilders = [
  { name: "trixie-graphdriver", like: "sid-graphdriver" },
  { name: "trixie-containerd", like: "sid-containerd" },
  { name: "sid-graphdriver", like: "sid-graphdriver" },
  { name: "sid-containerd", like: "sid-containerd" },
];
export const fullBackends: CacheBackend[] = ["inline", "registry-min", "registry-max", "local"];
export const fullVariants: Variant[] = ["link", "plain"];

/**
 * A run folder shaped like a full run, made from the fixture's real cells: five scenarios (a pair
 * that differs only in whether pruning removes images among them), four builders, four backends
 * and both variants, every cell a copy of the fixture cell most like it (a graphdriver builder
 * refuses every backend but inline, as in the fixture). Builds and verdicts are written in a
 * scrambled order, as a run that finished builds out of order would.
 */
export async function largeRun(): Promise<{ runDir: string; cleanup: () => Promise<void> }> {
  const source = await fixtureRunDir();
  const read = async <T>(name: string) =>
    JSON.parse(await readFile(path.join(source, name), "utf8")) as T;
  const run = await read<RunInfo>("run.json");
  const { builds } = await read<Results>("results.json");
  const { verdicts } = await read<Verdicts>("verdicts.json");

  // The template cell for a builder, backend and variant: the fixture's closest cell.
  const template = (like: string, backend: CacheBackend, variant: Variant): Cell => {
    const graph = like === "sid-graphdriver";
    if (graph)
      return {
        ...builds[0].cell,
        builder: like,
        backend: backend === "inline" ? "inline" : "registry-max",
        variant: "link",
      };
    if (variant === "plain")
      return { ...builds[0].cell, builder: like, backend: "inline", variant };
    return {
      ...builds[0].cell,
      builder: like,
      backend: backend === "inline" ? "inline" : "registry-max",
      variant,
    };
  };
  const same = (a: Cell, b: Cell) =>
    a.builder === b.builder && a.backend === b.backend && a.variant === b.variant;

  const seed = run.scenarios[0];
  run.scenarios = fullScenarios.map((id) => ({
    ...structuredClone(seed),
    id,
    title: `Scenario ${id}`,
    // Only the pruning pair shares its builds and template; the others differ, as real ones do.
    dockerfile: id === "controlled-blobs-kept" ? "controlled" : id,
    builds: seed.builds.map((b) => ({
      ...b,
      pruneBefore: id === "seed" ? b.pruneBefore : true,
      pruneImages: id !== "controlled-blobs-kept",
    })),
  }));
  const base = run.builders;
  run.builders = fullBuilders.map(({ name, like }) => ({
    ...structuredClone(base.find((b) => b.name === like)!),
    name,
  }));

  const outBuilds: BuildRecord[] = [];
  const outVerdicts: Verdict[] = [];
  for (const scenario of fullScenarios) {
    for (const { name, like } of fullBuilders) {
      for (const backend of fullBackends) {
        for (const variant of fullVariants) {
          const from = template(like, backend, variant);
          const cell: Cell = { scenario, builder: name, backend, variant };
          for (const b of builds.filter((b) => same(b.cell, from))) {
            outBuilds.push({ ...structuredClone(b), cell });
          }
          for (const v of verdicts.filter((v) => same(v.cell, from))) {
            outVerdicts.push({ ...structuredClone(v), cell });
          }
        }
      }
    }
  }

  const outputDir = await mkdtemp(path.join(os.tmpdir(), "report-large-"));
  const runDir = path.join(outputDir, "large");
  await mkdir(runDir);
  await writeFile(path.join(runDir, "run.json"), JSON.stringify(run));
  await writeFile(
    path.join(runDir, "results.json"),
    JSON.stringify({ builds: scramble(outBuilds) }),
  );
  await writeFile(
    path.join(runDir, "verdicts.json"),
    JSON.stringify({ verdicts: scramble(outVerdicts) }),
  );
  return { runDir, cleanup: () => rm(outputDir, { recursive: true, force: true }) };
}

/** A fixed shuffle, so the test does not depend on chance: every third item from each offset. */
function scramble<T>(items: readonly T[]): T[] {
  const out: T[] = [];
  for (let offset = 2; offset >= 0; offset--) {
    for (let i = items.length - 1 - offset; i >= 0; i -= 3) out.push(items[i]);
  }
  return out;
}
