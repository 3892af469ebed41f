import * as Plot from "@observablehq/plot";
import type { BuildRecord, Verdict, VerdictResult, VertexOutcome } from "../experiment/types.ts";
import { chartDocument, type PlotOptions } from "../notebook/chart.ts";
import { refusedCells } from "./headlines.ts";
import type { RunData } from "./load.ts";
import { backendOrder, variantOrder } from "./order.ts";
import {
  cellKey,
  instructionOutcomes,
  type LayerOutcome,
  layerOutcomes,
  verdictLayerOutcome,
} from "./outcomes.ts";

/*
 * Plot options for the report's charts. Each function turns run data into options for
 * `Notebook.chart`; none of them reads a file. Fills are mid-tones that read on both the light and
 * the dark page; axis text uses `currentColor`, which the page sets.
 */

const green = "#2e9d62";
const red = "#d2553f";
const grey = "#9199a3";
const blue = "#3f83c9";
const orange = "#e08a2c";
const darkRed = "#b23333";
const purple = "#8a63c9";

export const verdictResults: readonly VerdictResult[] = [
  "holds",
  "does-not-hold",
  "not-applicable",
];
const resultColors = [green, red, grey];
const outcomeColors = [green, blue, purple, orange, darkRed];

/** Character widths are guessed from the font size, since nothing measures text server-side. */
function marginFor(labels: Iterable<string>, fontSize = 10): number {
  let longest = 0;
  for (const label of labels) longest = Math.max(longest, label.length);
  return Math.min(380, Math.max(60, Math.ceil(longest * fontSize * 0.58) + 14));
}

function ordered(values: Iterable<string>, order: readonly string[]): string[] {
  const present = new Set(values);
  return [
    ...order.filter((v) => present.has(v)),
    ...[...present].filter((v) => !order.includes(v)),
  ];
}

function variantLabel(variant: string): string {
  return variant === "link" ? "COPY --link" : "COPY";
}

/** Which verdict rows the matrix has: one per claim, or per scenario and claim when there are more. */
export function claimRow(verdict: Verdict, scenarios: number): string {
  return scenarios > 1
    ? `${verdict.cell.scenario} · claim ${verdict.claim}`
    : `claim ${verdict.claim}`;
}

/**
 * The verdict matrix: one square per builder, cache backend and variant, a band per claim. The
 * fill is the verdict from verdicts.json; the word in the square is what happened to the layer
 * the verdict's evidence names (reused, merge-only, rebuilt), or the verdict itself when the
 * evidence names no layer.
 */
export function verdictMatrix(data: RunData): PlotOptions {
  const scenarios = new Set(data.verdicts.map((v) => v.cell.scenario)).size;
  const refused = refusedCells(data);
  // Verdicts come in reading order (scenario, builder, backend, variant, claim); the bands
  // follow it: scenario by scenario, claim by claim within each. A band where no cell could
  // answer is left out (the caption names them). A refused cell says so in a word; the refusal
  // itself is quoted once, in the headlines.
  const answering = new Set(
    data.verdicts.filter((v) => v.result !== "not-applicable").map((v) => claimRow(v, scenarios)),
  );
  const rows = data.verdicts
    .filter((verdict) => answering.has(claimRow(verdict, scenarios)))
    .map((verdict) => {
      const refusal = refused.get(cellKey(verdict.cell));
      return {
        row: claimRow(verdict, scenarios),
        scenario: verdict.cell.scenario,
        claim: verdict.claim,
        builder: verdict.cell.builder,
        backend: verdict.cell.backend,
        variant: verdict.cell.variant,
        result: verdict.result,
        label: refusal
          ? "refused"
          : (layerWord(verdictLayerOutcome(data, verdict)) ?? shortResult(verdict.result)),
        summary: refusal
          ? `${verdict.result}: the builder refused the ${verdict.cell.backend} cache backend`
          : `${verdict.result}: ${verdict.summary}`,
      };
    });
  const backends = ordered(
    rows.map((r) => r.backend),
    backendOrder,
  );
  const variants = ordered(
    rows.map((r) => r.variant),
    variantOrder,
  );
  const builders = ordered(
    rows.map((r) => r.builder),
    data.run.builders.map((b) => b.name),
  );
  const scenarioOrder = [...new Set(rows.map((r) => r.scenario))];
  const claimRows = [
    ...new Map(
      [...rows]
        .sort(
          (a, b) =>
            scenarioOrder.indexOf(a.scenario) - scenarioOrder.indexOf(b.scenario) ||
            a.claim.localeCompare(b.claim),
        )
        .map((r) => [r.row, r.row]),
    ).keys(),
  ];
  const marginLeft = marginFor(builders, 12);
  const marginRight = marginFor(claimRows, 12);
  const columnWidth = 104;
  const bandHeight = 34;
  return {
    width: marginLeft + marginRight + variants.length * backends.length * columnWidth,
    height: 86 + claimRows.length * (builders.length * bandHeight + 16),
    marginLeft,
    marginRight,
    marginTop: 52,
    marginBottom: 34,
    style: { fontSize: "12px" },
    // Backends named above and below: with a band per scenario and claim the chart is tall.
    x: { domain: backends, label: null, axis: "both", tickSize: 0 },
    y: { domain: builders, label: null, tickSize: 0 },
    fx: {
      domain: variants,
      label: null,
      axis: "top",
      tickFormat: variantLabel,
      tickPadding: 24,
      padding: 0.08,
    },
    fy: { domain: claimRows, label: null, axis: "right", padding: 0.12 },
    color: { type: "ordinal", domain: verdictResults, range: resultColors, legend: true },
    marks: labelledSquares(rows, {
      x: "backend",
      y: "builder",
      fx: "variant",
      fy: "row",
      fill: "result",
      title: "summary",
    }),
  };
}

/** Colored squares with a white word in each (the rows' `label`), for the two matrices. */
function labelledSquares(
  rows: readonly object[],
  channels: { x: string; y: string; fx?: string; fy: string; fill: string; title: string },
  fontSize?: number,
): Plot.Markish[] {
  const { fill, title, ...position } = channels;
  return [
    Plot.cell(rows, { ...position, fill, title, inset: 1.5, rx: 4 }),
    Plot.text(rows, {
      ...position,
      text: "label",
      fill: "white",
      fontWeight: 600,
      lineHeight: 1.05,
      ...(fontSize ? { fontSize } : {}),
    }),
  ];
}

function shortResult(result: VerdictResult): string {
  return result === "holds" ? "holds" : result === "does-not-hold" ? "does not" : "n/a";
}

/**
 * What happened to every layer in every build: one square per build and Dockerfile step, by
 * builder, backend and variant. This is the reuse itself, before any verdict is drawn from it.
 */
export function layerMatrix(data: RunData, scenario: string): PlotOptions | undefined {
  const buildOrder = data.run.scenarios.find((s) => s.id === scenario)?.builds.map((b) => b.id);
  const rows = data.results.builds
    .filter((b) => b.cell.scenario === scenario)
    .flatMap((build) =>
      instructionOutcomes(build).map((instruction) => ({
        column: `${build.build}\n${instruction.vertices[0].step ?? ""}`.trim(),
        build: build.build,
        step: instruction.vertices[0].step ?? "",
        band: `${build.cell.builder} · ${variantLabel(build.cell.variant)}`,
        backend: build.cell.backend,
        outcome: instruction.outcome,
        label: outcomeWord(instruction.outcome),
        title: `${build.build}: ${instruction.label}`,
      })),
    );
  if (rows.length === 0) return undefined;
  // Columns go build by build in the scenario's order, then step by step.
  const rank = (id: string) => {
    const index = buildOrder?.indexOf(id) ?? -1;
    return index === -1 ? Number.MAX_SAFE_INTEGER : index;
  };
  const columns = [
    ...new Map(
      [...rows]
        .sort(
          (a, b) =>
            rank(a.build) - rank(b.build) ||
            compareColumns(a.build, b.build) ||
            compareColumns(a.step, b.step),
        )
        .map((r) => [r.column, r.column]),
    ).keys(),
  ];
  const backends = ordered(
    rows.map((r) => r.backend),
    backendOrder,
  );
  // Builds come in reading order, so bands go builder by builder, `--link` before plain.
  const bands = [...new Set(rows.map((r) => r.band))];
  const marginLeft = marginFor(backends, 11);
  const marginRight = marginFor(bands, 11);
  // Wide enough for the longest line of a column name or a square's word, at ~6.4 px a character.
  const longest = Math.max(
    ...rows.flatMap((r) => [...r.column.split("\n"), ...r.label.split("\n")].map((l) => l.length)),
  );
  const columnWidth = Math.max(72, Math.ceil(longest * 6.4) + 12);
  return {
    width: marginLeft + marginRight + columns.length * columnWidth,
    height: 80 + bands.length * (backends.length * 32 + 18),
    marginLeft,
    marginRight,
    marginTop: 34,
    marginBottom: 46,
    style: { fontSize: "11px" },
    x: { domain: columns, label: null, axis: "bottom", tickSize: 0 },
    y: { domain: backends, label: null, tickSize: 0 },
    fy: { domain: bands, label: null, axis: "right", padding: 0.12 },
    color: { type: "ordinal", domain: layerOutcomes, range: outcomeColors, legend: true },
    marks: labelledSquares(
      rows,
      { x: "column", y: "backend", fy: "band", fill: "outcome", title: "title" },
      10,
    ),
  };
}

function layerWord(outcome: LayerOutcome | undefined): string | undefined {
  return outcome && outcomeWord(outcome);
}

/** The word in a layer square; the legend carries the full name. */
function outcomeWord(outcome: LayerOutcome): string {
  return outcome === "matched-then-rebuilt" ? "matched,\nrebuilt" : outcome;
}

function compareColumns(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/** A short name for a vertex on a chart axis: digests cut to 12 digits, long names to 64. */
export function shortVertexName(vertex: VertexOutcome): string {
  let name = vertex.name
    // Image references keep their last path component: `…/base:a@sha256:51514040653d…`.
    .replace(/\b[\w.-]+(?::\d+)?(?:\/[\w.-]+)+\/([\w.-]+(?::[\w.-]+)?)/g, "…/$1")
    .replace(/sha256:([0-9a-f]{12})[0-9a-f]{52}/g, "sha256:$1…");
  if (vertex.role === "link-copy") name = `${name} (copy)`;
  return name.length > 56 ? `${name.slice(0, 55)}…` : name;
}

type VertexState = "executed" | "cached" | "error" | "canceled";
const stateColors: Record<VertexState, string> = {
  executed: orange,
  cached: green,
  error: darkRed,
  canceled: grey,
};

function vertexState(vertex: VertexOutcome): VertexState {
  if (vertex.canceled) return "canceled";
  if (vertex.error) return "error";
  return vertex.cached ? "cached" : "executed";
}

/** A build's vertices as timeline rows, in order of start, in ms after the first one started. */
function timelineRows(build: BuildRecord) {
  const started = build.vertices.filter((v) => v.started && !Number.isNaN(Date.parse(v.started)));
  if (started.length === 0) return [];
  // The clock starts at the first vertex, but `[internal]` loads (definition, context, metadata)
  // get no row: they are the same in every build, and the logs show them.
  const origin = Math.min(...started.map((v) => Date.parse(v.started!)));
  return started
    .filter((v) => !v.name.startsWith("[internal] "))
    .map((v) => {
      const start = Date.parse(v.started!) - origin;
      const completed = v.completed ? Date.parse(v.completed) - origin : start;
      return {
        name: shortVertexName(v),
        start,
        end: Math.max(completed, start),
        state: vertexState(v),
      };
    })
    .sort((a, b) => a.start - b.start)
    .map((row, index) => ({ ...row, build: `build ${build.build}`, index }));
}

/** The timeline's colors, for a legend shown once above all timelines. */
const timelineStates = { domain: Object.keys(stateColors), range: Object.values(stateColors) };

/** The timelines' legend, shown once above all of them. */
export function timelineLegend(): Element {
  // Plot reads `document` here as in `Plot.plot`, though its types leave it out.
  const options = { color: { type: "ordinal", ...timelineStates }, document: chartDocument() };
  return Plot.legend(options as Plot.LegendScales);
}

/**
 * One cell's builds on BuildKit's own clock, a band per build: a bar per vertex from its start to
 * its completion, in order of start. Cached vertices take no time, so they are drawn as diamonds.
 * Rows are numbered rather than named, because each build names its own vertices (tags, cache
 * sources); the names are written beside the rows of each band.
 */
export function timeline(builds: readonly BuildRecord[]): PlotOptions | undefined {
  const rows = builds.flatMap(timelineRows);
  if (rows.length === 0) return undefined;
  const bands = [...new Set(rows.map((r) => r.build))];
  const count = Math.max(...rows.map((r) => r.index)) + 1;
  const marginLeft = marginFor(rows.map((r) => r.name));
  return {
    width: Math.max(760, marginLeft + 440),
    height: 40 + bands.length * (count * 15 + 14),
    marginLeft,
    marginRight: 64,
    marginTop: 8,
    // Four ticks are enough to read a duration off, and a hundred timelines add up.
    x: { label: "ms after the build's first vertex started", ticks: 4 },
    y: { domain: Array.from({ length: count }, (_, i) => i), axis: null },
    fy: { domain: bands, label: null, axis: "right", padding: 0.06 },
    color: { ...timelineStates, legend: false },
    marks: [
      Plot.ruleX([0], { stroke: "currentColor", strokeOpacity: 0.4 }),
      Plot.text(rows, { x: 0, y: "index", fy: "build", text: "name", textAnchor: "end", dx: -8 }),
      Plot.barX(
        rows.filter((r) => r.end > r.start),
        {
          x1: "start",
          x2: "end",
          y: "index",
          fy: "build",
          fill: "state",
          insetTop: 2,
          insetBottom: 2,
        },
      ),
      Plot.dot(
        rows.filter((r) => r.end <= r.start),
        { x: "start", y: "index", fy: "build", fill: "state", r: 3.5, symbol: "diamond" },
      ),
    ],
  };
}

/** Blobs per push: uploaded, found already present, or mounted from another repository. */
export function pushChart(data: RunData): PlotOptions | undefined {
  const pushes = data.results.builds.filter((b) => b.push);
  if (pushes.length === 0) return undefined;
  const kinds = ["uploaded", "already present", "mounted"];
  const rows = pushes.flatMap((build) => {
    const label = `${build.cell.builder} · ${build.cell.backend} · ${variantLabel(build.cell.variant)} · ${build.build}`;
    const push = build.push!;
    return [
      { label, kind: "uploaded", count: push.uploaded.length },
      { label, kind: "already present", count: push.present.length },
      { label, kind: "mounted", count: push.mounted.length },
    ].filter((r) => r.count > 0);
  });
  const labels = [
    ...new Set(
      pushes.map(
        (b) =>
          `${b.cell.builder} · ${b.cell.backend} · ${variantLabel(b.cell.variant)} · ${b.build}`,
      ),
    ),
  ];
  const marginLeft = marginFor(labels);
  return {
    width: Math.max(720, marginLeft + 420),
    height: 60 + labels.length * 22,
    marginLeft,
    x: { label: "blobs", grid: true, ticks: integerTicks(rows), tickFormat: "d" },
    y: { domain: labels, label: null, tickSize: 0 },
    color: { domain: kinds, range: [orange, green, blue], legend: true },
    marks: [
      Plot.barX(rows, {
        x: "count",
        y: "label",
        fill: "kind",
        title: (r: { kind: string; count: number }) => `${r.count} ${r.kind}`,
        insetTop: 2,
        insetBottom: 2,
      }),
      Plot.ruleX([0], { stroke: "currentColor" }),
    ],
  };
}

/** Whole-number ticks for a stacked count, so no tick repeats after rounding. */
function integerTicks(rows: readonly { label: string; count: number }[]): number[] {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.label, (totals.get(r.label) ?? 0) + r.count);
  const max = Math.max(1, ...totals.values());
  const step = Math.max(1, Math.ceil(max / 10));
  return Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => i * step);
}
