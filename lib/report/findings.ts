import type { BuildRecord, Verdict } from "../experiment/types.ts";
import { claimTitle } from "./claims.ts";
import type { RunData } from "./load.ts";
import type { AnnotatedLog } from "./logs.ts";
import { mdCode, mdFence, mdHtml, mdTable, mdText, shellQuote } from "./markdown.ts";
import { cellKey, cellLabel, evidenceText, findBuild } from "./outcomes.ts";
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
 * The findings as one GitHub comment: the verdict table, the key evidence, the builders, how the
 * setup departs from the original one, and how to reproduce. Plain progress logs of the builds
 * the evidence names go last, in `<details>`, and are dropped one by one if the comment would be
 * too long for GitHub.
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
  parts.push(
    `Real builds on ${run.builders.length} builder${run.builders.length === 1 ? "" : "s"}, ` +
      `started ${mdText(formatTime(run.startedAt))}. Each result below is read from the builds' own raw ` +
      "progress (`--progress=rawjson`) and the registry's access log; no verdict is assumed.",
  );

  // The claims, then one row per cell with a column per claim.
  const claims = [...new Set(data.verdicts.map((v) => v.claim))].sort();
  parts.push("#### Verdicts");
  if (data.verdicts.length === 0) {
    parts.push("_No verdicts were written for this run._");
  } else {
    parts.push(claims.map((c) => `- **${c}**: ${mdText(claimTitle(c))}`).join("\n"));
    const cells = Map.groupBy(data.verdicts, (v) => cellKey(v.cell));
    const scenarios = new Set(data.verdicts.map((v) => v.cell.scenario)).size > 1;
    parts.push(
      mdTable(
        [...(scenarios ? ["Scenario"] : []), "Builder", "Cache", "Variant", ...claims],
        [...cells.values()].map((verdicts) => {
          const { cell } = verdicts[0];
          return [
            ...(scenarios ? [mdText(cell.scenario)] : []),
            mdText(cell.builder),
            mdText(cell.backend),
            cell.variant === "link" ? "`COPY --link`" : "`COPY`",
            ...claims.map((c) => resultMark(verdicts.find((v) => v.claim === c)?.result)),
          ];
        }),
      ),
    );
  }

  // The key evidence: for each claim and each result, the first verdict's facts.
  const key = keyVerdicts(data.verdicts);
  if (key.length) {
    parts.push("#### Key evidence");
    parts.push(
      key
        .map((v) => {
          const facts = v.evidence.slice(0, 3).map((e) => mdText(evidenceText(e)));
          return (
            `- claim **${v.claim}** ${resultMark(v.result)} on ${mdText(cellLabel(v.cell, { scenario: true }))}: ` +
            `${mdText(v.summary)}${facts.length ? `. ${facts.join("; ")}` : ""}`
          );
        })
        .join("\n"),
    );
  }

  // Who ran the builds.
  parts.push("#### Builders");
  parts.push(
    mdTable(
      ["Builder", "Driver", "Engine", "buildx", "BuildKit", "Worker", "MergeOp"],
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
    "In a checkout of this workspace (`buildkit-merge-test`), with the same builders available:",
  );
  parts.push(mdFence(run.argv.map(shellQuote).join(" "), "sh"));
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

  // Logs last, as many as fit.
  let body = parts.join("\n\n");
  for (const build of evidenceBuilds(data, key)) {
    const log = logs.get(build);
    if (!log) continue;
    const block = details(
      `Plain progress: ${cellLabel(build.cell)}, build ${build.build}`,
      mdFence(log.text, "text"),
    );
    if (body.length + block.length + 200 > findingsLimit) {
      body += "\n\n_More logs are in the run's report.html; they would not fit in one comment._";
      break;
    }
    body += `\n\n${block}`;
  }
  return `${truncate(body)}\n`;
}

/** A verdict as a table cell: the word from verdicts.json, the negative one in bold. */
function resultMark(result: string | undefined): string {
  if (result === undefined) return "";
  if (result === "not-applicable") return "n/a";
  return result === "holds" ? "holds" : `**${mdText(result.replaceAll("-", " "))}**`;
}

function details(summary: string, body: string): string {
  return `<details><summary>${mdHtml(summary)}</summary>\n\n${body}\n\n</details>`;
}

/** Even without logs a run with very many verdicts could pass the limit; cut at a line. */
function truncate(body: string): string {
  if (body.length <= findingsLimit) return body;
  const cut = body.lastIndexOf("\n", findingsLimit - 120);
  return `${body.slice(0, cut)}\n\n_Cut to fit one GitHub comment; the full table is in the run's report.html._`;
}

/** For each claim, the first verdict of each result: the smallest set that shows every outcome. */
export function keyVerdicts(verdicts: readonly Verdict[]): Verdict[] {
  const seen = new Set<string>();
  return verdicts.filter((v) => {
    const key = `${v.cell.scenario}/${v.claim}/${v.result}`;
    if (seen.has(key) || v.result === "not-applicable") return false;
    seen.add(key);
    return true;
  });
}

/** The builds the key evidence names, in order, without repeats. */
export function evidenceBuilds(data: RunData, key: readonly Verdict[]): BuildRecord[] {
  const builds = new Set<BuildRecord>();
  for (const verdict of key) {
    for (const evidence of verdict.evidence) {
      const build = findBuild(data, verdict.cell, evidence.build);
      if (build) builds.add(build);
    }
  }
  return [...builds];
}

export function partialReason(data: RunData): string {
  const reasons: string[] = [];
  if (!data.run.complete) reasons.push("the run did not finish");
  if (data.missing.length) reasons.push(`missing ${data.missing.join(", ")}`);
  return reasons.join("; ");
}
