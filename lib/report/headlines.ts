import type { BuildRecord, Cell, ScenarioSpec, Verdict } from "../experiment/types.ts";
import { type StepOutcome, stepOutcome } from "../experiment/verdicts.ts";
import { claimTitle } from "./claims.ts";
import type { RunData } from "./load.ts";
import { mdCode, mdText } from "./markdown.ts";
import { backendOrder, orderScenarioIds, variantOrder } from "./order.ts";
import { cellKey, findBuild } from "./outcomes.ts";

/*
 * The headlines of a run: for each claim, in how many cells it held, broken down by what varied.
 * Every number here is counted from verdicts.json and results.json; the wording only names what
 * was counted, so the same code says "holds in 0 of 12" as readily as "holds in 12 of 12".
 */

/** Step outcomes in the order the legend explains them. */
export const stepOutcomeOrder: readonly StepOutcome[] = [
  "reused",
  "merge-only",
  "matched-then-rebuilt",
  "rebuilt",
  "missing",
];

/** What each step outcome means, in plain words; the one place both documents explain it. */
export const stepOutcomeLegend: Record<StepOutcome, string> = {
  reused: "the copy (and, for `COPY --link`, its `LINK` merge) came from cache; nothing of it ran.",
  "merge-only":
    "the copy came from cache and only the `LINK` merge, which stacks it onto the layers below, " +
    "ran. The copied files were reused.",
  "matched-then-rebuilt":
    "BuildKit reported the copy cached (its cache key matched the imported cache), then started " +
    "it again and ran it; the result was not loaded from the cache.",
  rebuilt: "the copy ran; its cache key matched nothing BuildKit had.",
  missing: "the build has no vertex for the step, e.g. because it failed before reaching it.",
};

/** The legend as a Markdown list, for the report and the findings alike. */
export function stepLegendMarkdown(): string {
  return stepOutcomeOrder
    .filter((o) => o !== "missing")
    .map((o) => `- **${o}**: ${stepOutcomeLegend[o]}`)
    .join("\n");
}

/** How one claim came out across the run's cells. */
export interface ClaimTally {
  claim: string;
  /** Verdicts that hold or do not hold, in reading order. */
  answered: Verdict[];
  holds: number;
  /** Verdicts of cells whose builder refused the cache backend. */
  refused: Verdict[];
  /** Other not-applicable verdicts: the scenario does not exercise the claim, a build failed … */
  other: Verdict[];
  /** Per step the answered verdicts judged, how it came out. */
  steps: Map<StepOutcome, number>;
}

/** Cells with a build the builder refused, by cell key, with that build. */
export function refusedCells(data: RunData): Map<string, BuildRecord> {
  const refused = new Map<string, BuildRecord>();
  for (const build of data.results.builds) {
    const key = cellKey(build.cell);
    if (build.outcome === "unsupported" && !refused.has(key)) refused.set(key, build);
  }
  return refused;
}

/** Claims in the order of their letters, each tallied over every cell. */
export function tallyClaims(data: RunData): ClaimTally[] {
  const refused = refusedCells(data);
  const byClaim = Map.groupBy(data.verdicts, (v) => v.claim);
  return [...byClaim.keys()].sort().map((claim) => {
    const verdicts = byClaim.get(claim)!;
    const answered = verdicts.filter((v) => v.result !== "not-applicable");
    const steps = countSteps(data, answered);
    return {
      claim,
      answered,
      holds: answered.filter((v) => v.result === "holds").length,
      refused: verdicts.filter(
        (v) => v.result === "not-applicable" && refused.has(cellKey(v.cell)),
      ),
      other: verdicts.filter((v) => v.result === "not-applicable" && !refused.has(cellKey(v.cell))),
      steps,
    };
  });
}

/** How many of the steps the verdicts' evidence names came out each way. */
export function countSteps(data: RunData, verdicts: readonly Verdict[]): Map<StepOutcome, number> {
  const steps = new Map<StepOutcome, number>();
  for (const verdict of verdicts) {
    for (const outcome of verdictSteps(data, verdict)) {
      steps.set(outcome, (steps.get(outcome) ?? 0) + 1);
    }
  }
  return steps;
}

/**
 * The outcome of each step a verdict's evidence names: the evidence points at the step's copy
 * vertex, and the experiment's own `stepOutcome` says what became of that step.
 */
export function verdictSteps(data: RunData, verdict: Verdict): StepOutcome[] {
  const outcomes: StepOutcome[] = [];
  for (const evidence of verdict.evidence) {
    if (!evidence.vertex) continue;
    const build = findBuild(data, verdict.cell, evidence.build);
    const vertex = build?.vertices.find(
      (v) => v.digest === evidence.vertex || v.name === evidence.vertex,
    );
    if (!build || !vertex?.instruction) continue;
    outcomes.push(stepOutcome(build, vertex.instruction));
  }
  return outcomes;
}

/** `3 reused, 1 matched-then-rebuilt`, in legend order. */
export function stepMix(steps: ReadonlyMap<StepOutcome, number>): string {
  return stepOutcomeOrder
    .filter((o) => steps.get(o))
    .map((o) => `${steps.get(o)} ${o}`)
    .join(", ");
}

/** The image store behind a builder, from run.json. */
export function imageStore(data: RunData, builder: string): string {
  return data.run.builders.find((b) => b.name === builder)?.workerMode ?? "unknown";
}

interface Part {
  name: string;
  holds: number;
  of: number;
}

/** Answered verdicts split by one property of their cell, in the order given. */
function split(verdicts: readonly Verdict[], key: (v: Verdict) => string, order: string[]): Part[] {
  const groups = Map.groupBy(verdicts, key);
  const names = [
    ...order.filter((n) => groups.has(n)),
    ...[...groups.keys()].filter((n) => !order.includes(n)),
  ];
  return names.map((name) => {
    const group = groups.get(name)!;
    return { name, holds: group.filter((v) => v.result === "holds").length, of: group.length };
  });
}

function parts(list: readonly Part[], label: (name: string) => string = mdText): string {
  return list.map((p) => `${label(p.name)} ${p.holds} of ${p.of}`).join(", ");
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function variantName(variant: string): string {
  return variant === "link" ? "`COPY --link`" : variant === "plain" ? "`COPY`" : mdText(variant);
}

/**
 * One claim's headline in Markdown: how many answering cells it held in, then the same count
 * split by variant, image store, cache backend and scenario, wherever the split has two sides,
 * and what became of the steps its evidence names.
 */
export function claimHeadline(data: RunData, tally: ClaimTally): string {
  const { answered, holds } = tally;
  const head = `**${mdText(tally.claim)}. ${mdText(claimTitle(tally.claim))}.**`;
  if (answered.length === 0) {
    return `${head} No cell could answer it (${notAnsweredText(tally)}).`;
  }
  const lines = [
    `${head} Holds in ${holds} of ${plural(answered.length, "cell")} that could answer; ` +
      `does not hold in ${answered.length - holds}.`,
  ];
  const splits: [string, Part[], ((n: string) => string)?][] = [
    ["variant", split(answered, (v) => v.cell.variant, [...variantOrder]), variantName],
    [
      "image store",
      split(answered, (v) => imageStore(data, v.cell.builder), [
        "containerd",
        "graphdriver",
        "buildkitd",
      ]),
    ],
    ["cache backend", split(answered, (v) => v.cell.backend, [...backendOrder])],
    [
      "scenario",
      split(
        answered,
        (v) => v.cell.scenario,
        data.run.scenarios.map((s) => s.id),
      ),
      mdCode,
    ],
  ];
  for (const [label, list, name] of splits) {
    if (list.length > 1) lines.push(`- by ${label}: ${parts(list, name)}`);
  }
  const byVariant = split(answered, (v) => v.cell.variant, [...variantOrder]);
  if (byVariant.length > 1) {
    const mixes = byVariant
      .map(({ name }) => {
        const mix = countSteps(
          data,
          answered.filter((v) => v.cell.variant === name),
        );
        return mix.size ? `with ${variantName(name)} ${stepMix(mix)}` : undefined;
      })
      .filter((m): m is string => m !== undefined);
    if (mixes.length) lines.push(`- steps judged: ${mixes.join("; ")}`);
  } else if (tally.steps.size) {
    lines.push(`- steps judged: ${stepMix(tally.steps)}`);
  }
  const notAnswered = tally.refused.length + tally.other.length;
  if (notAnswered)
    lines.push(`- no answer in ${plural(notAnswered, "cell")}: ${notAnsweredText(tally)}`);
  return lines.join("\n");
}

/** Why cells gave no answer, most frequent reason first: the verdicts' own summaries. */
export function notAnsweredText(tally: ClaimTally): string {
  const reasons: string[] = [];
  if (tally.refused.length) {
    reasons.push(`${tally.refused.length} where the builder refused the cache backend`);
  }
  const other = [...Map.groupBy(tally.other, (v) => v.summary)].sort(
    (a, b) => b[1].length - a[1].length,
  );
  for (const [summary, verdicts] of other.slice(0, 2)) {
    reasons.push(`${verdicts.length} where ${mdText(summary)}`);
  }
  if (other.length > 2) {
    reasons.push(`${other.slice(2).reduce((n, [, v]) => n + v.length, 0)} for other reasons`);
  }
  return reasons.join("; ") || "no verdicts";
}

/**
 * The cells where a builder refused a cache backend, as one sentence that quotes the refusal
 * once. Builders that refused the same backends are named together.
 */
export function refusalSentence(data: RunData): string | undefined {
  const refused = [...refusedCells(data).values()];
  if (refused.length === 0) return undefined;
  const byBuilder = Map.groupBy(refused, (b) => b.cell.builder);
  const groups = Map.groupBy(
    [...byBuilder].map(([builder, builds]) => ({
      builder,
      backends: [...new Set(builds.map((b) => b.cell.backend))].sort(
        (a, b) => rankOf(backendOrder, a) - rankOf(backendOrder, b),
      ),
    })),
    (entry) => entry.backends.join(", "),
  );
  const who = [...groups.values()].map((entries) => {
    const builders = entries.map((e) => {
      const store = imageStore(data, e.builder);
      return `${mdCode(e.builder)}${store === "unknown" ? "" : ` (${mdText(store)})`}`;
    });
    return `${listWords(builders)} refused the ${listWords(entries[0].backends.map(mdText))} cache backend${entries[0].backends.length === 1 ? "" : "s"}`;
  });
  const messages = [...new Set(refused.map((b) => refusalMessage(b.errorText)))];
  const scenarios = new Set(refused.map((b) => b.cell.scenario)).size;
  return (
    `${listWords(who)} (${plural(refused.length, "cell")} in ${plural(scenarios, "scenario")}, ` +
    `so no verdict there), saying:\n\n${messages.map((m) => `> ${mdText(m)}`).join("\n>\n")}`
  );
}

function rankOf(list: readonly string[], value: string): number {
  const index = list.indexOf(value);
  return index === -1 ? list.length : index;
}

/** The line of a refusal that says why, without the `ERROR:` and `failed to build:` prefixes. */
export function refusalMessage(text: string | undefined): string {
  const lines = (text ?? "").split("\n").map((l) => l.trim());
  const line = lines.find((l) => /error|not supported/i.test(l)) ?? lines.find(Boolean) ?? "";
  return line.replace(/^(?:(?:error|failed to build|failed to solve):\s*)+/i, "") || "no message";
}

/** `a`, `a and b`, `a, b and c`. */
export function listWords(items: readonly string[]): string {
  if (items.length <= 2) return items.join(" and ");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** Two scenarios that run the same builds and differ only in whether pruning removes images. */
export interface PrunePair {
  /** Pruning removes the engine's images too: a fresh machine. */
  fresh: ScenarioSpec;
  /** Pruning removes the build cache only: blobs stay on the machine. */
  kept: ScenarioSpec;
}

/** Finds the pairs of scenarios that differ only in `pruneImages`, from their build specs. */
export function prunePairs(scenarios: readonly ScenarioSpec[]): PrunePair[] {
  const shape = (s: ScenarioSpec) =>
    JSON.stringify([s.dockerfile, s.builds.map((b) => ({ ...b, pruneImages: undefined }))]);
  const pruned = (s: ScenarioSpec) => s.builds.filter((b) => b.pruneBefore);
  const pairs: PrunePair[] = [];
  for (const fresh of scenarios) {
    if (!pruned(fresh).length || !pruned(fresh).every((b) => b.pruneImages)) continue;
    const kept = scenarios.find(
      (s) => s !== fresh && shape(s) === shape(fresh) && pruned(s).every((b) => !b.pruneImages),
    );
    if (kept) pairs.push({ fresh, kept });
  }
  return pairs;
}

/**
 * What pruning does in each pair of scenarios, and how each claim came out on either side. The
 * explanation is read from the build specs and the comparison is counted from the verdicts.
 */
export function pruneComparison(data: RunData, tallies: readonly ClaimTally[]): string[] {
  return prunePairs(data.run.scenarios).map(({ fresh, kept }) => {
    const counts = tallies
      .map((t) => {
        const side = (s: ScenarioSpec) => {
          const answered = t.answered.filter((v) => v.cell.scenario === s.id);
          const holds = answered.filter((v) => v.result === "holds").length;
          return { holds, of: answered.length };
        };
        const a = side(fresh);
        const b = side(kept);
        if (a.of === 0 && b.of === 0) return undefined;
        return (
          `claim ${mdText(t.claim)} holds in ${a.holds} of ${plural(a.of, "cell")} of ` +
          `${mdCode(fresh.id)} and in ${b.holds} of ${plural(b.of, "cell")} of ${mdCode(kept.id)}`
        );
      })
      .filter((s): s is string => s !== undefined);
    return (
      `${mdCode(fresh.id)} removes the engine's images as well as the build cache before each ` +
      `pruned build, as on a fresh machine; ${mdCode(kept.id)} runs the same builds but prunes ` +
      "only the build cache, so blobs the engine already pulled or built stay on the machine. " +
      "Comparing the two tells whether reuse depends on the blob already being there" +
      (counts.length ? `: ${counts.join("; ")}.` : "; no claim was answered in either.")
    );
  });
}

/** A cell in words for evidence headings: `sid-containerd (containerd) · inline · COPY --link`. */
export function cellWords(data: RunData, cell: Cell): string {
  const store = imageStore(data, cell.builder);
  return [
    cell.scenario,
    `${cell.builder}${store === "unknown" ? "" : ` (${store})`}`,
    cell.backend,
    cell.variant === "link" ? "COPY --link" : "COPY",
  ].join(" · ");
}

/** Scenario ids that have answered verdicts for a claim, in run.json's order. */
export function answeringScenarios(data: RunData, tally: ClaimTally): string[] {
  return orderScenarioIds(
    data.run,
    tally.answered.map((v) => v.cell.scenario),
  );
}
