import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { type Effects, formatDuration } from "../core/effects.ts";
import { UserError } from "../core/errors.ts";
import { writeFileAtomic } from "../core/files.ts";
import { html } from "../notebook/html.ts";
import { Notebook } from "../notebook/notebook.ts";
import { verdictResults } from "./charts.ts";
import { claimTitle } from "./claims.ts";
import { isRunFolder, loadRun, type RunData } from "./load.ts";
import { formatTime } from "./time.ts";

/**
 * Rebuilds `index.html` in the output folder: every run, newest first, with its builders and
 * headline verdicts and a link to its report, so the folder can be published as it is.
 */
export async function renderIndex(
  outputDir: string,
  effects: Effects,
): Promise<{ html: string; indexFile: string; runs: number }> {
  const start = effects.now();
  const entries = await readdir(outputDir, { withFileTypes: true }).catch((error) => {
    throw new UserError(`Expected an output folder, got "${outputDir}": ${error.code ?? error}`, {
      hint: "run the experiment first, or pass the folder that holds the run folders",
    });
  });

  // Read every run folder; one that cannot be read is listed as such rather than hiding the rest.
  const runs: { data?: RunData; id: string; problem?: string; hasReport: boolean }[] = [];
  for (const entry of entries) {
    const dir = path.join(outputDir, entry.name);
    if (!entry.isDirectory() || !(await isRunFolder(dir))) continue;
    const hasReport = await stat(path.join(dir, "report.html")).then(
      (s) => s.isFile(),
      () => false,
    );
    try {
      runs.push({ data: await loadRun(dir), id: entry.name, hasReport });
    } catch (error) {
      runs.push({ id: entry.name, problem: (error as Error).message, hasReport });
    }
  }
  runs.sort((a, b) => (b.data?.run.startedAt ?? "").localeCompare(a.data?.run.startedAt ?? ""));

  const nb = new Notebook({
    title: "COPY --link and remote cache: runs",
    subtitle:
      "Each run builds the same small images on real BuildKit builders and records what was " +
      "cached, rebuilt and pushed. Open a report for the evidence.",
    footer: "Rebuilt after every run by `notebooks/report.ts --index`.",
  });
  nb.section("Runs");
  if (runs.length === 0) {
    nb.md("_No runs yet. Run `npx zx notebooks/experiment.ts` to make one._");
  } else {
    nb.table(runs, [
      {
        label: "Run",
        value: (r) => {
          const name = html`<code class="nowrap">${r.id}</code>`;
          return r.hasReport
            ? html`<a href="${`${encodeURIComponent(r.id)}/report.html`}">${name}</a>`
            : name;
        },
      },
      {
        label: "Started",
        value: (r) => (r.data ? formatTime(r.data.run.startedAt) : ""),
      },
      { label: "Took", value: (r) => took(r.data) },
      {
        label: "State",
        value: (r) =>
          r.problem
            ? html`<span class="badge error">unreadable</span> ${r.problem}`
            : r.data?.partial
              ? html`<span class="badge partial">partial</span>`
              : html`<span class="badge ok">complete</span>`,
      },
      { label: "Builders", value: (r) => r.data?.run.builders.map((b) => b.name).join(", ") ?? "" },
      { label: "Verdicts", value: (r) => (r.data ? headline(r.data) : "") },
    ]);
  }
  const claims = [...new Set(runs.flatMap((r) => r.data?.verdicts.map((v) => v.claim) ?? []))];
  if (claims.length) {
    nb.md(
      claims
        .sort()
        .map((c) => `- **${c}**: ${claimTitle(c)}`)
        .join("\n"),
    );
  }
  const page = nb.render();
  const indexFile = path.join(outputDir, "index.html");
  await writeFileAtomic(indexFile, page);
  effects.log(
    `render ${indexFile} → ${runs.length} runs in ${formatDuration(effects.now() - start)}`,
  );
  return { html: page, indexFile, runs: runs.length };
}

function took(data: RunData | undefined): string {
  if (!data?.run.endedAt) return "";
  return formatDuration(Date.parse(data.run.endedAt) - Date.parse(data.run.startedAt));
}

/** Per claim, how many verdicts came out each way: `a holds 3 · does not hold 5`. */
function headline(data: RunData) {
  const claims = [...new Set(data.verdicts.map((v) => v.claim))].sort();
  if (claims.length === 0) return html`<span class="muted">none</span>`;
  return html`${claims.map((claim) => {
    const counts = verdictResults
      .map((result) => ({
        result,
        n: data.verdicts.filter((v) => v.claim === claim && v.result === result).length,
      }))
      .filter((c) => c.n > 0);
    return html`<div title="${claimTitle(claim)}"><b>${claim}</b> ${counts.map(
      (c) =>
        html`<span class="${`badge ${c.result}`}">${c.n} ${c.result.replaceAll("-", " ")}</span> `,
    )}</div>`;
  })}`;
}
