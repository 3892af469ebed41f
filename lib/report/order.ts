import type { BuildRecord, CacheBackend, Cell, RunInfo, Verdict } from "../experiment/types.ts";

/*
 * The order a reader meets the run in: scenario as run.json lists them (the narrative), then
 * builder as run.json lists them, then cache backend from the simplest to the most complete,
 * then variant. Builds finish in whatever order the builders reach them; nothing in the report
 * should follow that.
 */

export const backendOrder: readonly CacheBackend[] = [
  "inline",
  "registry-min",
  "registry-max",
  "local",
];
export const variantOrder: readonly string[] = ["link", "plain"];

/** Position in a list, with anything the list does not know after everything it does. */
function rank(list: readonly string[], value: string): number {
  const index = list.indexOf(value);
  return index === -1 ? list.length : index;
}

/** Compares two values by rank, then by name so that unknown values keep a stable order. */
function byRank(list: readonly string[], a: string, b: string): number {
  return rank(list, a) - rank(list, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** A comparator of cells in reading order for one run. */
export function cellOrder(run: RunInfo): (a: Cell, b: Cell) => number {
  const scenarios = run.scenarios.map((s) => s.id);
  const builders = run.builders.map((b) => b.name);
  return (a, b) =>
    byRank(scenarios, a.scenario, b.scenario) ||
    byRank(builders, a.builder, b.builder) ||
    byRank(backendOrder, a.backend, b.backend) ||
    byRank(variantOrder, a.variant, b.variant);
}

/** Builds in reading order: by cell, then in the order their scenario lists them. */
export function orderBuilds(run: RunInfo, builds: readonly BuildRecord[]): BuildRecord[] {
  const compare = cellOrder(run);
  const buildIds = new Map(run.scenarios.map((s) => [s.id, s.builds.map((b) => b.id)]));
  return [...builds].sort(
    (a, b) =>
      compare(a.cell, b.cell) || byRank(buildIds.get(a.cell.scenario) ?? [], a.build, b.build),
  );
}

/** Verdicts in reading order: by cell, then by claim. */
export function orderVerdicts(run: RunInfo, verdicts: readonly Verdict[]): Verdict[] {
  const compare = cellOrder(run);
  return [...verdicts].sort((a, b) => compare(a.cell, b.cell) || byRank([], a.claim, b.claim));
}

/** The scenarios of a run that occur in `ids`, in run.json's order, unknown ones last. */
export function orderScenarioIds(run: RunInfo, ids: Iterable<string>): string[] {
  const known = run.scenarios.map((s) => s.id);
  return [...new Set(ids)].sort((a, b) => byRank(known, a, b));
}
