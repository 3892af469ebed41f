/** A readable account of one trace: a table of its vertices and what went wrong, if anything. */
import { formatDuration } from "../core/effects.ts";
import type { Trace, Vertex } from "./types.ts";

/**
 * One line per vertex, in row order (vertices the display never showed come last):
 * row number, step, name, `--link` role, cached (own / as displayed), progress group, duration.
 */
export function formatSummary(trace: Trace, title?: string): string {
  const lines: string[] = [];
  const started = trace.vertices.filter((vertex) => vertex.spans.length > 0).length;
  const head = title ? `${title}: ` : "";
  lines.push(
    `${head}${trace.vertices.length} vertices (${started} started), ` +
      `${trace.groups.length} progress groups, ${trace.statuses.length} statuses, ` +
      `${trace.logs.length} log chunks, ${trace.warnings.length} warnings; ${shapeText(trace)}`,
  );

  const table = [["#", "step", "name", "role", "cached", "shown", "group", "duration"]];
  for (const vertex of orderForDisplay(trace.vertices)) {
    table.push([
      vertex.number === undefined ? "-" : `#${vertex.number}`,
      vertex.step ?? "",
      vertex.name.replace(/^\[[^\]]*\]\s*/, ""),
      vertex.role,
      vertex.spans.length === 0 ? "-" : vertex.cached ? "yes" : "no",
      displayMark(vertex),
      groupText(vertex),
      vertex.durationMs === undefined ? "" : formatDuration(vertex.durationMs),
    ]);
  }
  lines.push("", ...alignColumns(table));

  const failed = trace.vertices.filter((vertex) => vertex.error !== undefined);
  if (failed.length > 0) lines.push("");
  for (const vertex of failed) {
    const what = vertex.canceled ? "canceled" : "error";
    lines.push(`${what}: ${vertex.name}: ${vertex.error}`);
  }
  for (const warning of trace.warnings) lines.push(`warning: ${warning.short}`);
  if (trace.text.length > 0) {
    lines.push("", "text after the stream:");
    for (const text of trace.text) lines.push(...text.text.split("\n").map((line) => `  ${line}`));
  }
  if (trace.parseError) lines.push("", `parse error: ${trace.parseError.message}`);
  return `${lines.join("\n")}\n`;
}

function shapeText(trace: Trace): string {
  if (trace.shape === "pretty") return "pretty-printed objects (buildx ≤ 0.14)";
  if (trace.shape === "lines") return "one object per line (buildx ≥ 0.15)";
  return "no objects";
}

// What the plain display printed for the vertex's row.
function displayMark(vertex: Vertex): string {
  if (vertex.number === undefined) return "hidden";
  if (vertex.error !== undefined) return vertex.canceled ? "CANCELED" : "ERROR";
  if (vertex.completed === undefined) return "running";
  return vertex.displayCached ? "CACHED" : "DONE";
}

function groupText(vertex: Vertex): string {
  const group = vertex.progressGroup;
  if (!group) return "";
  return `${group.name}${group.weak ? " (weak)" : ""}`;
}

// Row order, then vertices without a row in order of appearance.
function orderForDisplay(vertices: Vertex[]): Vertex[] {
  const shown = vertices.filter((vertex) => vertex.number !== undefined);
  const hidden = vertices.filter((vertex) => vertex.number === undefined);
  return [...shown.sort((a, b) => (a.number ?? 0) - (b.number ?? 0)), ...hidden];
}

function alignColumns(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
      .join("  ")
      .trimEnd(),
  );
}
