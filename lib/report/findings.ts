import type { BuildRecord, CacheBackend, Verdict } from "../experiment/types.ts";
import type { StepOutcome } from "../experiment/verdicts.ts";
import { claimTitle } from "./claims.ts";
import {
  answeringScenarios,
  type ClaimTally,
  cellWords,
  claimHeadline,
  imageStore,
  listWords,
  pruneComparison,
  refusalSentence,
  refusedCells,
  stepLegendMarkdown,
  stepMix,
  tallyClaims,
  verdictSteps,
} from "./headlines.ts";
import type { RunData } from "./load.ts";
import type { AnnotatedLog } from "./logs.ts";
import { mdCode, mdFence, mdHtml, mdTable, mdText, shellQuote } from "./markdown.ts";
import { backendOrder, orderScenarioIds, variantOrder } from "./order.ts";
import { cellKey, evidenceText, findBuild } from "./outcomes.ts";
import { formatTime } from "./time.ts";

/** GitHub rejects comment bodies over 65,536 characters; keep a margin for edits. */
export const findingsLimit = 60_000;

/** The upstream thread the findings are written for. */
export const upstream = { repo: "docker/buildx", issue: 1099 };

/** The command that posts the findings as a comment on the upstream thread. */
export function ghCommentCommand(findingsFile: string): string {
  return `gh issue comment ${upstream.issue} --repo ${upstream.repo} --body-file ${shellQuote(findingsFile)}`;
}

/**
 * The findings as one GitHub comment: computed headlines per claim, a compact table per claim,
 * a few pieces of key evidence folded away, the builders, the departures from the original
 * setup and how to reproduce. Every sentence about a result is counted from the run's data.
 */
export function renderFindings(
  data: RunData,
  logs: ReadonlyMap<BuildRecord, AnnotatedLog>,
): string {
  const { run } = data;
  const parts: string[] = [];

  // Say what was measured, and whether the run is whole.
  parts.push(`### \`COPY --link\` and remote cache: measured results (run ${mdCode(run.id)})`);
  if (data.partial) {
    parts.push(
      `> [!WARNING]\n> This run is partial (${mdText(partialReason(data))}); verdicts cover only what ran.`,
    );
  }
  parts.push(introSentence(data));

  // The headlines, then what the words in them mean.
  parts.push("#### What we found");
  if (data.verdicts.length === 0) {
    parts.push("_No verdicts were written for this run._");
  } else {
    parts.push(...headlineParagraphs(data));
    parts.push(`What became of a step, read from BuildKit's vertices:\n\n${stepLegendMarkdown()}`);
  }

  // One compact table per claim that any cell could answer.
  for (const tally of tallyClaims(data)) {
    const table = claimTable(data, tally);
    if (!table) continue;
    parts.push(`#### ${mdText(tally.claim)}. ${mdText(claimTitle(tally.claim))}`);
    parts.push(table);
  }

  // A few pieces of evidence, folded.
  const key = keyVerdicts(data);
  if (key.length) {
    parts.push("#### Key evidence");
    parts.push(key.map((v) => evidenceDetails(data, v, logs)).join("\n\n"));
  }

  // Who ran the builds, and how the setup departs from the original one.
  parts.push("#### Builders");
  parts.push(
    mdTable(
      ["Builder", "Driver", "Engine", "buildx", "BuildKit", "Image store", "MergeOp"],
      run.builders.map((b) => [
        mdText(b.name),
        mdText(b.driver),
        mdText(b.engineVersion ?? "?"),
        mdText(b.buildxVersion ?? "?"),
        mdText(b.buildkitVersion ?? "not reported"),
        mdText(b.workerMode),
        mdText(String(b.mergeOp)),
      ]),
    ),
  );
  if (run.departures.length) {
    parts.push("#### Departures from the original setup");
    parts.push(run.departures.map((d) => `- ${mdText(d)}`).join("\n"));
  }

  // How to run it again.
  parts.push("#### How to reproduce");
  parts.push(
    "In a checkout of this workspace (`buildkit-merge-test`), on Linux as root; the experiment " +
      "brings up its own builders and registry (`--help` lists the options):",
  );
  parts.push(mdFence("npm install\nnpx zx notebooks/experiment.ts", "sh"));
  parts.push(`This run's command: ${mdCode(run.argv.map(shellQuote).join(" "))}`);
  const dockerfiles = Object.entries(run.dockerfiles);
  if (dockerfiles.length) {
    parts.push(
      details(
        "Dockerfiles",
        dockerfiles
          .map(([name, text]) => `${mdCode(name)}\n\n${mdFence(text, "dockerfile")}`)
          .join("\n\n"),
      ),
    );
  }
  return `${truncate(parts.join("\n\n"))}\n`;
}

/** What ran: builders by image store, scenarios, builds, and where the results are read from. */
function introSentence(data: RunData): string {
  const { run } = data;
  const stores = [...Map.groupBy(run.builders, (b) => b.workerMode)].map(
    ([store, builders]) => `${builders.length} ${mdText(store)}`,
  );
  const scenarios = orderScenarioIds(
    run,
    data.results.builds.map((b) => b.cell.scenario),
  );
  return (
    `${data.results.builds.length} real builds on ${run.builders.length} ` +
    `builder${run.builders.length === 1 ? "" : "s"}${stores.length ? ` (image store: ${stores.join(", ")})` : ""}` +
    `${scenarios.length ? ` in ${scenarios.length === 1 ? "scenario" : "scenarios"} ${listWords(scenarios.map(mdCode))}` : ""}, ` +
    `started ${mdText(formatTime(run.startedAt))}. A cell is one scenario on one builder with one ` +
    "cache backend and one Dockerfile variant. Each result is read from the builds' own raw " +
    "progress (`--progress=rawjson`) and the registry's access log; no verdict is assumed."
  );
}

/** The headline paragraphs: one per claim, the refusals, and the pruning comparisons. */
export function headlineParagraphs(data: RunData): string[] {
  const tallies = tallyClaims(data);
  const out = tallies.map((t) => claimHeadline(data, t));
  const refusal = refusalSentence(data);
  if (refusal) out.push(refusal);
  out.push(...pruneComparison(data, tallies));
  return out;
}

/**
 * One claim as a table: a row per builder (and scenario, when more than one answered), a column
 * per cache backend and variant; only rows and columns where some cell answered.
 */
function claimTable(data: RunData, tally: ClaimTally): string | undefined {
  if (tally.answered.length === 0) return undefined;
  const all = data.verdicts.filter((v) => v.claim === tally.claim);
  const refused = refusedCells(data);
  const scenarios = answeringScenarios(data, tally);
  const showScenario = scenarios.length > 1;
  const rowKey = (v: Verdict) => `${v.cell.scenario}\u0000${v.cell.builder}`;
  const columnKey = (v: Verdict) => `${v.cell.backend}\u0000${v.cell.variant}`;
  const rows = [...new Set(tally.answered.map(rowKey))];
  const columns = [...new Set(tally.answered.map(columnKey))].sort(
    (a, b) => columnRank(a) - columnRank(b),
  );
  const byCell = new Map(all.map((v) => [`${rowKey(v)}\u0001${columnKey(v)}`, v]));
  const table = mdTable(
    [
      ...(showScenario ? ["Scenario"] : []),
      "Builder",
      ...columns.map((c) => {
        const [backend, variant] = c.split("\u0000");
        return `${mdText(backend)} ${variant === "link" ? "`--link`" : mdText(variant)}`;
      }),
    ],
    rows.map((row) => {
      const [scenario, builder] = row.split("\u0000");
      return [
        ...(showScenario ? [mdCode(scenario)] : []),
        `${mdText(builder)} (${mdText(imageStore(data, builder))})`,
        ...columns.map((column) => {
          const verdict = byCell.get(`${row}\u0001${column}`);
          if (!verdict) return "";
          if (verdict.result === "not-applicable") {
            return refused.has(cellKey(verdict.cell)) ? "refused" : "n/a";
          }
          const steps = verdictSteps(data, verdict);
          const mix = new Map<StepOutcome, number>();
          for (const s of steps) mix.set(s, (mix.get(s) ?? 0) + 1);
          const word = verdict.result === "holds" ? "holds" : "**does not hold**";
          if (steps.length === 0) return word;
          return `${word} (${steps.length === 1 ? steps[0] : stepMix(mix)})`;
        }),
      ];
    }),
  );
  return table;
}

function columnRank(column: string): number {
  const [backend, variant] = column.split("\u0000");
  const b = backendOrder.indexOf(backend as CacheBackend);
  const v = variantOrder.indexOf(variant);
  return (b === -1 ? backendOrder.length : b) * 10 + (v === -1 ? variantOrder.length : v);
}

/** One verdict's evidence, folded: its facts, the registry requests, and its build's log. */
function evidenceDetails(
  data: RunData,
  verdict: Verdict,
  logs: ReadonlyMap<BuildRecord, AnnotatedLog>,
): string {
  const lines = [mdText(`${verdict.summary}.`)];
  lines.push(verdict.evidence.map((e) => `- ${mdText(evidenceText(e))}`).join("\n"));
  // The first push goes to an empty repository and cannot upload anything twice; the requests
  // of the pushes after it are the ones that can show a blob sent again.
  const pushed = verdict.evidence.filter((e) => e.requests?.length);
  const requests = (pushed.length > 1 ? pushed.slice(1) : pushed).flatMap((e) =>
    (e.requests ?? []).map((r) => ({ build: e.build, ...r })),
  );
  if (requests.length) {
    const repos = [
      ...new Set(requests.map((r) => /^\/v2\/(.+?)\/(?:blobs|manifests)\//.exec(r.path)?.[1])),
    ];
    const shown = requests
      .slice(0, maxRequests)
      .map(
        (r) => `${r.build.padEnd(10)} ${r.method.padEnd(5)} ${compactPath(r.path)} → ${r.status}`,
      );
    if (requests.length > shown.length) {
      shown.push(`… ${requests.length - shown.length} more in the run's report`);
    }
    const repo = repos.length === 1 && repos[0] ? ` to ${mdCode(repos[0])}` : "";
    lines.push(
      `Registry requests${repo}, from its access log (digests cut to 12 digits):\n\n` +
        mdFence(shown.join("\n"), "text"),
    );
  }
  const build = verdict.evidence
    .filter((e) => e.vertex)
    .map((e) => findBuild(data, verdict.cell, e.build))
    .find((b): b is BuildRecord => b !== undefined);
  const log = build && logs.get(build);
  if (build && log && log.text.split("\n").length <= maxLogLines) {
    lines.push(`Plain progress of build ${mdText(build.build)}:\n\n${mdFence(log.text, "text")}`);
  }
  const result = verdict.result.replaceAll("-", " ");
  return details(
    `claim ${verdict.claim} ${result}: ${cellWords(data, verdict.cell)}`,
    lines.join("\n\n"),
  );
}

/** A request path without the repository, with digests and upload ids cut short. */
function compactPath(path: string): string {
  return path
    .replace(/^\/v2\/.+?\/(blobs|manifests)\//, "$1/")
    .replace(/(sha256(?::|%3A))([0-9a-f]{12})[0-9a-f]{52}/g, "$1$2")
    .replace(/uploads\/([0-9a-f]{8})[0-9a-f-]{28}/, "uploads/$1…")
    .replace(/([?&]from=)[^&]*/, "$1…");
}

/** How much of one piece of evidence the comment shows; the report has the rest. */
const maxRequests = 24;
const maxLogLines = 60;

function details(summary: string, body: string): string {
  return `<details><summary>${mdHtml(summary)}</summary>\n\n${body}\n\n</details>`;
}

/** A run with very many claims or builders could still pass the limit; cut at a line. */
function truncate(body: string): string {
  if (body.length <= findingsLimit) return body;
  const cut = body.lastIndexOf("\n", findingsLimit - 120);
  return `${body.slice(0, cut)}\n\n_Cut to fit one GitHub comment; the rest is in the run's report.html._`;
}

/**
 * The evidence worth unfolding, at most four pieces, in reading order. The first claim is the
 * question, so it gets one verdict for each distinct way it came out (its result and the step
 * outcomes it rests on), up to three; then one verdict whose evidence carries registry requests;
 * then further claims, a negative verdict first, since that is what a maintainer will check.
 */
export function keyVerdicts(data: RunData): Verdict[] {
  const answered = data.verdicts.filter((v) => v.result !== "not-applicable");
  const claims = [...new Set(answered.map((v) => v.claim))].sort();
  const picked: Verdict[] = [];
  const [question, ...others] = claims;

  // The question: one verdict per distinct result and mix of step outcomes.
  const seen = new Set<string>();
  for (const verdict of answered.filter((v) => v.claim === question)) {
    const steps = [...new Set(verdictSteps(data, verdict))].sort().join(",");
    const key = `${verdict.result}/${steps}`;
    if (seen.has(key)) continue;
    seen.add(key);
    picked.push(verdict);
    if (picked.length === maxQuestionEvidence) break;
  }

  // What the registry saw, then the other claims.
  const negativeFirst = (list: Verdict[]) =>
    list.find((v) => v.result === "does-not-hold") ?? list[0];
  const withRequests = answered.filter(
    (v) => v.claim !== question && v.evidence.some((e) => e.requests?.length),
  );
  const requests = negativeFirst(withRequests);
  if (requests) picked.push(requests);
  for (const claim of others) {
    if (picked.length >= maxEvidence) break;
    if (picked.some((v) => v.claim === claim)) continue;
    const verdict = negativeFirst(answered.filter((v) => v.claim === claim));
    if (verdict) picked.push(verdict);
  }
  return picked.slice(0, maxEvidence);
}

const maxQuestionEvidence = 3;
const maxEvidence = 4;

export function partialReason(data: RunData): string {
  const reasons: string[] = [];
  if (!data.run.complete) reasons.push("the run did not finish");
  if (data.missing.length) reasons.push(`missing ${data.missing.join(", ")}`);
  return reasons.join("; ");
}
