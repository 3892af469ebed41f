import path from "node:path";
import { type Effects, formatBytes, formatDuration } from "../core/effects.ts";
import { writeFileAtomic } from "../core/files.ts";
import type { BuildRecord, Cell, Verdict } from "../experiment/types.ts";
import { html, type SafeHtml } from "../notebook/html.ts";
import { Notebook } from "../notebook/notebook.ts";
import {
  claimRow,
  layerMatrix,
  pushChart,
  timeline,
  timelineLegend,
  verdictMatrix,
  verdictResults,
} from "./charts.ts";
import { claimSource, claimTitle } from "./claims.ts";
import { ghCommentCommand, headlineParagraphs, partialReason, renderFindings } from "./findings.ts";
import { notAnsweredText, stepLegendMarkdown, tallyClaims } from "./headlines.ts";
import { loadRun, type RunData } from "./load.ts";
import { type AnnotatedLog, annotatedLog, registryNamespace } from "./logs.ts";
import { orderScenarioIds } from "./order.ts";
import { cellKey, cellLabel, evidenceText } from "./outcomes.ts";
import { sources } from "./sources.ts";
import { formatTime } from "./time.ts";

export interface RenderedRun {
  html: string;
  findings: string;
  reportFile: string;
  findingsFile: string;
}

/**
 * Renders a run folder into `report.html` and `findings.md` beside its data. Needs no builder:
 * everything comes from run.json, results.json, verdicts.json and the saved progress files.
 */
export async function renderRun(runDir: string, effects: Effects): Promise<RenderedRun> {
  const start = effects.now();
  const data = await loadRun(runDir);
  const logs = await readLogs(data);

  const page = buildReport(data, logs).render();
  const findings = renderFindings(data, logs);

  const reportFile = path.join(runDir, "report.html");
  const findingsFile = path.join(runDir, "findings.md");
  await writeFileAtomic(reportFile, page);
  await writeFileAtomic(findingsFile, findings);
  effects.log(
    `render ${reportFile} → ${formatBytes(Buffer.byteLength(page))}` +
      `${data.partial ? " (partial run)" : ""} in ${formatDuration(effects.now() - start)}`,
  );
  return { html: page, findings, reportFile, findingsFile };
}

/** The prefix the logs write as `…/`, for the report to name once. */
function logNamespace(data: RunData): string | undefined {
  return registryNamespace(data.run.registry, data.results.builds);
}

/** Every build's annotated plain progress, read once and shared by the report and the findings. */
export async function readLogs(data: RunData): Promise<Map<BuildRecord, AnnotatedLog>> {
  const namespace = logNamespace(data);
  const entries = await Promise.all(
    data.results.builds.map(async (b) => [b, await annotatedLog(data.dir, b, namespace)] as const),
  );
  return new Map(entries);
}

/** The report as a notebook, section by section, in the order a reader needs it. */
export function buildReport(data: RunData, logs: ReadonlyMap<BuildRecord, AnnotatedLog>): Notebook {
  const { run } = data;
  const nb = new Notebook({
    title: "COPY --link and remote cache",
    subtitle:
      `Run \`${run.id}\` · started ${formatTime(run.startedAt)}` +
      (run.endedAt
        ? `, took ${formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt))}`
        : "") +
      ` · ${data.partial ? "**partial**" : "complete"}`,
    footer:
      "Rendered from the run folder's run.json, results.json and verdicts.json by " +
      "`notebooks/report.ts`. The page loads nothing from the network.",
  });
  summary(nb, data);
  question(nb, data);
  observed(nb, data);
  pushes(nb, data);
  builds(nb, data, logs);
  readingLogs(nb, logs);
  provenance(nb, data);
  sourcesSection(nb);
  return nb;
}

/**
 * What the run found: headline numbers, the computed headlines per claim with the legend of step
 * outcomes, the verdict matrix and, when there are any, the departures.
 */
export function summary(nb: Notebook, data: RunData): void {
  const { run, results, verdicts } = data;
  nb.section("What we found");
  if (data.partial) {
    nb.callout(
      `**This run is partial:** ${partialReason(data)}. The report shows what was recorded; ` +
        "a verdict that is missing was not measured.",
    );
  }

  // Headline values.
  const failed = results.builds.filter((b) => b.outcome !== "ok").length;
  nb.value("Builders", run.builders.length, run.builders.map((b) => b.name).join(", "));
  nb.value("Builds", results.builds.length, failed ? `${failed} did not finish` : "all finished");
  for (const result of verdictResults) {
    nb.value(
      `Verdicts: ${result.replaceAll("-", " ")}`,
      verdicts.filter((v) => v.result === result).length,
    );
  }
  if (run.endedAt) {
    nb.value("Duration", formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt)));
  }

  // The headlines, counted from the verdicts, and what the step outcomes in them mean.
  if (verdicts.length) {
    nb.md(
      "A **cell** is one scenario on one builder with one cache backend and one Dockerfile " +
        "variant; each claim gets one verdict per cell. Counted from verdicts.json:",
    );
    for (const paragraph of headlineParagraphs(data)) nb.md(paragraph);
    nb.md(
      "**Step outcomes.** Each verdict rests on what became of particular Dockerfile steps, read " +
        "from BuildKit's own vertex flags:\n\n" +
        stepLegendMarkdown(),
    );
  }

  // The verdict matrix, when there are verdicts.
  if (verdicts.length) {
    const scenarios = new Set(verdicts.map((v) => v.cell.scenario)).size;
    const bands = Map.groupBy(verdicts, (v) => claimRow(v, scenarios));
    const empty = [...bands]
      .filter(([, band]) => band.every((v) => v.result === "not-applicable"))
      .map(([name]) => name);
    if (empty.length < bands.size) {
      nb.chart(verdictMatrix(data), {
        alt: "Verdict matrix by claim, builder, cache backend and variant",
        caption: nb.inline(
          "Each square is one verdict from verdicts.json: its color is the verdict; its word is " +
            "the step outcome of the layer the verdict's evidence names (see the step outcomes " +
            "above), **refused** where the builder refused the cache backend, or the verdict " +
            "when the evidence names no layer." +
            (empty.length
              ? ` Left out, since no cell could answer them: ${empty.join(", ")}.`
              : ""),
        ),
      });
    }
    nb.table(claimCounts(verdicts), [
      { label: "Claim", value: (r) => html`<b>${r.claim}</b> ${claimTitle(r.claim)}` },
      ...verdictResults.map((result) => ({
        label: result.replaceAll("-", " "),
        value: (r: ClaimCount) => r.counts[result],
        align: "right" as const,
      })),
    ]);
  } else {
    nb.md("_No verdicts were recorded for this run._");
  }

  if (run.departures.length) {
    nb.callout(
      "**How this run departs from the original setup:**\n\n" +
        run.departures.map((d) => `- ${d}`).join("\n"),
    );
  }
}

interface ClaimCount {
  claim: string;
  counts: Record<string, number>;
}

function claimCounts(verdicts: readonly Verdict[]): ClaimCount[] {
  const byClaim = new Map<string, ClaimCount>();
  for (const v of verdicts) {
    const row = byClaim.get(v.claim) ?? {
      claim: v.claim,
      counts: Object.fromEntries(verdictResults.map((r) => [r, 0])),
    };
    row.counts[v.result]++;
    byClaim.set(v.claim, row);
  }
  return [...byClaim.values()].sort((a, b) => a.claim.localeCompare(b.claim));
}

/** What the article promised, what the thread reported, and how BuildKit builds `--link`. */
export function question(nb: Notebook, data: RunData): void {
  nb.section("The question");
  nb.md(
    `Docker's [announcement of BuildKit 0.10 and Dockerfile 1.4](${sources.article}) introduced ` +
      "`COPY --link`. The files of such a copy are written into a fresh snapshot and then " +
      "stacked onto the layers below, instead of being copied on top of them. The article draws " +
      "two promises from that: a change to an earlier instruction need not throw away the " +
      "copy's cache, and an image pushed with remote cache only needs its new layers uploaded.\n\n" +
      `The [buildkit-merge-test](${sources.userRepo}) repository tried this with three builds ` +
      "on one builder and saw the later layer built again. Its report became " +
      `[docker/buildx#1099](${sources.thread}), where later comments saw different behaviour ` +
      "depending on the driver and image store. This run repeats the builds on builders named " +
      "below and reads, from each build's own progress, what BuildKit actually did.",
  );
  const used = [...new Set(data.verdicts.map((v) => v.claim))].sort();
  if (used.length) {
    nb.md(
      "The claims checked, and where each comes from:\n\n" +
        used
          .map((c) => {
            const source = claimSource(c);
            return `- **${c}. ${claimTitle(c)}.**${source ? ` ${source}` : ""}`;
          })
          .join("\n"),
    );
  }
  nb.section("How COPY --link is built", { level: 3 });
  nb.md(
    `The Dockerfile frontend ([dockerfile2llb](${sources.dockerfile2llb})) turns a ` +
      "`COPY --link` into two vertices when the builder supports the MergeOp capability: a file " +
      "copy onto an empty (`scratch`) state, and a merge named `LINK COPY --link …` that stacks " +
      "the result onto the state below. If the builder lacks MergeOp, or the copy uses " +
      "`--chmod`, the frontend silently emits an ordinary copy instead.\n\n" +
      "Both vertices belong to one **progress group**, so the progress display prints them as a " +
      "single row, and that row is shown as `CACHED` only when *every* member is cached. A " +
      "copy that was reused under a merge that ran is therefore printed as if it had run; this " +
      "report marks such rows.\n\n" +
      `Docker Engine with a classic graphdriver disables MergeOp ([moby/moby#45111](${sources.mergeOpDisabled})); ` +
      "with the containerd image store, and in a standalone buildkitd, it is available. Whether " +
      "each builder emitted a merge is measured by a probe build and listed under Provenance.",
  );
}

/** The layer matrix per scenario and the verdicts claim by claim. */
export function observed(nb: Notebook, data: RunData): void {
  nb.section("What the builds did");
  nb.md(
    "Below, every Dockerfile step of every build, read from BuildKit's own vertex states; the " +
      "words in the squares are the step outcomes explained under What we found.",
  );
  for (const scenario of data.run.scenarios) {
    nb.section(`Scenario: ${scenario.title}`, { level: 3 });
    nb.md(scenario.description);
    nb.table(scenario.builds, [
      { label: "Build", value: (b) => html`<b>${b.id}</b>` },
      {
        label: "Files",
        value: (b) =>
          html`${Object.entries(b.files).map(([name, content], i) => html`${i ? ", " : ""}<code>${name}</code> = <code>${abbreviate(content)}</code>`)}`,
      },
      { label: "Prune first", value: (b) => (b.pruneBefore ? "yes" : "") },
      { label: "Cache from", value: (b) => b.cacheFrom.join(", ") },
      { label: "Exports cache", value: (b) => (b.cacheTo ? "yes" : "") },
      { label: "Push", value: (b) => (b.push ? "yes" : "") },
    ]);
    const matrix = layerMatrix(data, scenario.id);
    if (matrix) {
      nb.chart(matrix, {
        alt: `Layer outcomes for scenario ${scenario.id}`,
        caption:
          "Columns are the builds and their Dockerfile steps; rows are cache backends, grouped " +
          "by builder and Dockerfile variant (named on the right).",
      });
    }
  }

  // The verdicts, claim by claim, with their evidence. Cells that could not answer a claim are
  // counted by reason in one line rather than given a row each: on a full run they are most rows.
  for (const tally of tallyClaims(data)) {
    nb.section(`Claim ${tally.claim}: ${claimTitle(tally.claim)}`, { level: 3 });
    if (tally.answered.length) {
      nb.table(tally.answered, [
        {
          label: "Cell",
          value: (v) => cellLabel(v.cell, { scenario: data.run.scenarios.length > 1 }),
        },
        { label: "Result", value: (v) => badge(v.result) },
        { label: "Why", value: (v) => v.summary },
        {
          label: "Evidence",
          value: (v) => html`${v.evidence.map((e) => html`<div>${evidenceText(e)}</div>`)}`,
        },
      ]);
    }
    const notAnswered = tally.refused.length + tally.other.length;
    if (notAnswered) {
      nb.md(
        `Not applicable in ${notAnswered} cell${notAnswered === 1 ? "" : "s"}: ` +
          `${notAnsweredText(tally)}.`,
      );
    }
  }
}

/** Blobs uploaded and found per push, from the registry's access log. */
export function pushes(nb: Notebook, data: RunData): void {
  const pushed = data.results.builds.filter((b) => b.push);
  nb.section("Push evidence");
  if (pushed.length === 0) {
    nb.md("_No build of this run pushed an image._");
    return;
  }
  nb.md(
    "For every blob of a push, BuildKit's pusher first asks the registry whether it has it " +
      "(`HEAD`); a blob it finds is skipped, any other is mounted from another repository or " +
      "uploaded (`POST`, then `PUT`). These counts come from the registry's access log.",
  );
  const chart = pushChart(data);
  if (chart) nb.chart(chart, { alt: "Blobs per push: uploaded, already present, mounted" });
  nb.table(pushed, [
    { label: "Cell", value: (b) => cellLabel(b.cell) },
    { label: "Build", value: (b) => b.build },
    { label: "Uploaded", value: (b) => b.push!.uploaded.length, align: "right" },
    { label: "Present", value: (b) => b.push!.present.length, align: "right" },
    { label: "Mounted", value: (b) => b.push!.mounted.length, align: "right" },
    { label: "Requests", value: (b) => b.push!.requests.length, align: "right" },
  ]);
}

/** One subsection per cell: the timeline, then each build's command, error and annotated log. */
export function builds(
  nb: Notebook,
  data: RunData,
  logs: ReadonlyMap<BuildRecord, AnnotatedLog>,
): void {
  nb.section("Builds");
  const namespace = logNamespace(data);
  if (data.results.builds.length === 0) {
    nb.md("_No build was recorded._");
    return;
  }
  nb.md(
    "Each cell below runs the scenario's builds in order on one builder, with one cache " +
      "backend and one Dockerfile variant. The timeline uses BuildKit's own timestamps; a " +
      "diamond is a vertex that was cached and took no time; `[internal]` loads are left out. " +
      "Each log is the plain progress as BuildKit prints it, with what the vertices behind " +
      "each row really did on the right. To keep the page small, the logs cut digests to 12 " +
      "hex digits" +
      (namespace ? ` and write the run's registry namespace \`${namespace}\` as \`…/\`` : "") +
      "; the raw streams in the run folder keep them whole.",
  );
  nb.legend(timelineLegend());

  // A part per scenario, introduced by its description, then its cells in reading order. The
  // cells are level-4 parts, listed at the top of their scenario rather than in the contents.
  const byScenario = Map.groupBy(data.results.builds, (b) => b.cell.scenario);
  for (const scenarioId of orderScenarioIds(data.run, byScenario.keys())) {
    const spec = data.run.scenarios.find((s) => s.id === scenarioId);
    nb.section(spec ? `${spec.title} (${spec.id})` : scenarioId, { level: 3 });
    if (spec) nb.md(spec.description);
    const cells = [...Map.groupBy(byScenario.get(scenarioId)!, (b) => cellKey(b.cell)).values()];
    const index = nb.placeholder();
    const links = cells.map((cellBuilds) => {
      const cell: Cell = cellBuilds[0].cell;
      const id = nb.section(cellLabel(cell), { level: 4 });
      const chart = timeline(cellBuilds);
      if (chart) nb.chart(chart, { alt: `Timeline of the builds of ${cellLabel(cell)}` });
      for (const build of cellBuilds) buildEntry(nb, build, logs.get(build));
      const refused = cellBuilds.some((b) => b.outcome === "unsupported");
      return html`<li><a href="${`#${id}`}">${cellLabel(cell)}</a>${refused ? html` <span class="muted">(refused)</span>` : ""}</li>`;
    });
    index.fill(html`<ol class="cells">${links}</ol>`);
  }
}

function buildEntry(nb: Notebook, build: BuildRecord, log: AnnotatedLog | undefined): void {
  nb.html(
    html`<h5>Build ${build.build} ${badge(build.outcome)} <span class="muted">${formatDuration(build.durationMs)}, exit ${build.exitCode}</span></h5>`,
  );
  nb.code(build.command.join(" "), { wrap: true });
  if (build.outcome !== "ok") {
    nb.html(
      html`<div class="callout error" role="note"><p><b>The build ${build.outcome === "unsupported" ? "was refused by the builder" : "failed"}.</b></p><pre><code>${build.errorText ?? firstError(build) ?? "no error text was recorded"}</code></pre></div>`,
    );
  }
  // A log rebuilt from no vertices at all holds only the error text the callout above shows.
  if (!log || (log.source === "reconstructed" && build.vertices.length === 0 && build.errorText)) {
    return;
  }
  const source = {
    stream: `rendered from ${build.streamFile}`,
    "plain-file": build.plainFile,
    reconstructed: "rebuilt from the vertex outcomes",
  }[log.source];
  nb.log(html`Plain progress of build ${build.build}`, log.text, log.annotations, {
    open: build.outcome !== "ok",
    summary: source,
  });
}

function firstError(build: BuildRecord): string | undefined {
  return build.vertices.find((v) => v.error)?.error;
}

/** How to read the plain display, and how often it misled in this run. */
export function readingLogs(nb: Notebook, logs: ReadonlyMap<BuildRecord, AnnotatedLog>): void {
  nb.section("Reading the logs");
  const misleading = [...logs.values()].reduce(
    (n, log) => n + log.annotations.filter((a) => a.kind === "misleading").length,
    0,
  );
  const affected = [...logs.values()].filter((l) =>
    l.annotations.some((a) => a.kind === "misleading"),
  ).length;
  nb.md(
    `The plain display ([progressui](${sources.progressui})) numbers rows in the order vertices ` +
      "first start, prints one row per progress group, and calls a row `CACHED` only when all " +
      "of its vertices are cached. Its timestamps are the daemon's. An error ending in " +
      '"context canceled" is printed as `CANCELED`.\n\n' +
      `The raw stream (\`--progress=rawjson\`, fields as in [client/graph.go](${sources.graph})) ` +
      "keeps every vertex separately, with its own `cached` flag; the notes beside each log " +
      "come from it. A row is marked **misleading** when its printed state disagrees with its " +
      "vertices.",
  );
  nb.value("Misleading rows", misleading, `in ${affected} of ${logs.size} builds`);
}

/** Who and what ran the builds, with every input needed to run them again. */
export function provenance(nb: Notebook, data: RunData): void {
  const { run } = data;
  nb.section("Provenance");
  nb.table(
    [
      ["Run id", html`<code>${run.id}</code>`],
      ["Started", formatTime(run.startedAt)],
      ["Ended", run.endedAt ? formatTime(run.endedAt) : "did not end"],
      ["Complete", run.complete ? "yes" : "no"],
      ["Command", html`<code>${run.argv.join(" ")}</code>`],
      [
        "Host",
        `${run.host.hostname} (${run.host.platform} ${run.host.arch}, kernel ${run.host.kernel})`,
      ],
      ["Registry", html`<code>${run.registry}</code>`],
      ...Object.entries(run.tools).map(([tool, version]) => [tool, version]),
    ] as [string, string | SafeHtml][],
    [
      { label: "", value: (r) => html`<b>${r[0]}</b>` },
      { label: "", value: (r) => r[1] },
    ],
  );

  nb.section("Builders", { level: 3 });
  nb.table(run.builders, [
    { label: "Builder", value: (b) => html`<b>${b.name}</b>` },
    { label: "Source", value: (b) => b.source },
    { label: "Driver", value: (b) => b.driver },
    { label: "Engine", value: (b) => b.engineVersion ?? "?" },
    { label: "buildx", value: (b) => b.buildxVersion ?? "?" },
    { label: "BuildKit", value: (b) => b.buildkitVersion ?? "not reported" },
    { label: "Worker", value: (b) => b.workerMode },
    { label: "MergeOp", value: (b) => String(b.mergeOp) },
    { label: "Endpoint", value: (b) => html`<code>${b.endpoint}</code>` },
  ]);
  for (const builder of run.builders) {
    const rows = [
      ...Object.entries(builder.workerLabels).map(([k, v]) => ({ kind: "worker label", k, v })),
      ...Object.entries(builder.packages ?? {}).map(([k, v]) => ({ kind: "package", k, v })),
    ];
    if (rows.length === 0) continue;
    nb.code(rows.map((r) => `${r.kind.padEnd(12)} ${r.k} = ${r.v}`).join("\n"), {
      title: `${builder.name}: worker labels and packages`,
      collapsed: true,
    });
  }

  nb.section("Departures from the original setup", { level: 3 });
  if (run.departures.length) nb.md(run.departures.map((d) => `- ${d}`).join("\n"));
  else nb.md("_The run recorded no departures._");

  nb.section("Dockerfiles and files", { level: 3 });
  for (const [name, text] of Object.entries(run.dockerfiles)) nb.code(text, { title: name });
  for (const scenario of run.scenarios) {
    for (const build of scenario.builds) {
      const files = Object.entries(build.files)
        .map(([name, content]) => `== ${name} ==\n${content}`)
        .join("\n");
      nb.code(files, {
        title: `${scenario.id}, build ${build.id}: context files`,
        collapsed: true,
      });
    }
  }
}

function sourcesSection(nb: Notebook): void {
  nb.section("Sources");
  nb.md(
    [
      `- Docker blog: [Image rebase and improved remote cache support in new BuildKit](${sources.article})`,
      `- The thread: [docker/buildx#1099](${sources.thread}) and [the original repository](${sources.userRepo})`,
      `- BuildKit: [dockerfile2llb](${sources.dockerfile2llb}), [client/graph.go](${sources.graph}), [progressui](${sources.progressui})`,
      `- MergeOp disabled on graphdrivers: [moby/moby#45111](${sources.mergeOpDisabled}); cache for merged results: [moby/buildkit#2501](${sources.nonPrefixCache})`,
      `- buildx: [--progress](${sources.rawjson})`,
      "",
      "To post the findings upstream, from the workspace:",
      "",
      "```sh",
      ghCommentCommand("output/<run-id>/findings.md"),
      "```",
    ].join("\n"),
  );
}

function badge(state: string): SafeHtml {
  return html`<span class="${`badge ${state}`}">${state.replaceAll("-", " ")}</span>`;
}

function abbreviate(text: string): string {
  const flat = text.replace(/\n$/, "").replaceAll("\n", "⏎");
  return flat.length > 40 ? `${flat.slice(0, 39)}…` : flat;
}
