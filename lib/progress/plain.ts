/**
 * Renders a trace the way BuildKit's `--progress=plain` display prints a build, so a report can
 * put what a person saw next to what the engine did. The display numbers rows in order of first
 * start, shows one row per progress group (and none for a group whose only started members are
 * weak), and ends each row with CACHED, DONE, ERROR or CANCELED
 * (moby/buildkit `util/progress/progressui`).
 *
 * The real display interleaves rows that run at the same time and prints statuses as they
 * change, throttled by the clock; this rendering prints each row as one block with each status's
 * last value, in row order. Rows, numbers and markers come out the same; status lines and
 * timings may not.
 */
import { isCanceled, mergeSpans, parseTimestamp } from "./model.ts";
import type { LogChunk, Span, Status, Trace } from "./types.ts";

/** One row of the display: a vertex outside any group, or a group. */
export interface PlainRow {
  number: number;
  name: string;
  /** The digests whose statuses and logs the row shows. */
  digests: string[];
  spans: Span[];
  cached: boolean;
  error?: string;
}

/** The rows a plain display shows for a trace, in number order. */
export function plainRows(trace: Trace): PlainRow[] {
  const rows: PlainRow[] = [];
  for (const vertex of trace.vertices) {
    if (vertex.progressGroup || vertex.number === undefined) continue;
    const row: PlainRow = {
      number: vertex.number,
      name: vertex.name,
      digests: [vertex.digest],
      spans: vertex.spans,
      cached: vertex.cached,
    };
    if (vertex.error !== undefined) row.error = vertex.error;
    rows.push(row);
  }
  for (const group of trace.groups) {
    if (group.number === undefined) continue;
    const row: PlainRow = {
      number: group.number,
      name: group.name,
      digests: group.members,
      spans: group.spans,
      cached: group.cached,
    };
    if (group.error !== undefined) row.error = group.error;
    rows.push(row);
  }
  return rows.sort((a, b) => a.number - b.number);
}

/**
 * The plain display's text for a trace. `description` is the `#0` line buildx prints before the
 * stream (`building with "default" instance using docker driver`), which the raw stream lacks.
 */
export function renderPlain(trace: Trace, options: { description?: string } = {}): string {
  const lines: string[] = [];
  if (options.description) lines.push(`#0 ${options.description}`, "");

  // Index statuses and logs by vertex once.
  const statuses = groupBy(trace.statuses, (status) => status.vertex);
  const logs = groupBy(trace.logs, (log) => log.vertex);

  const rows = plainRows(trace);
  const failed: { row: PlainRow; logLines: string[] }[] = [];
  rows.forEach((row, index) => {
    if (index > 0) lines.push("");
    const n = row.number;
    lines.push(`#${n} ${row.name}`);

    for (const digest of row.digests) {
      for (const status of statuses.get(digest) ?? []) lines.push(`#${n} ${statusLine(status)}`);
    }

    const logLines = row.digests.flatMap((digest) => renderLogs(n, logs.get(digest) ?? [], row));
    lines.push(...logLines);

    const last = row.spans.at(-1);
    if (last?.completed === undefined) return;
    if (row.error !== undefined) {
      if (isCanceled(row.error)) {
        lines.push(`#${n} CANCELED`);
      } else {
        lines.push(`#${n} ERROR: ${row.error}`);
        failed.push({ row, logLines });
      }
    } else if (row.cached) {
      lines.push(`#${n} CACHED`);
    } else {
      const seconds = (parseTimestamp(last.completed) - parseTimestamp(last.started)) / 1000;
      lines.push(`#${n} DONE ${seconds.toFixed(1)}s`);
    }
  });

  // After the rows the display repeats each failed row with its last log lines.
  for (const { row, logLines } of failed) {
    lines.push("------", ` > ${row.name}:`, ...logLines.slice(-10), "------");
  }

  // Then comes what buildx printed after the stream: the error and a Dockerfile excerpt.
  for (const text of trace.text) lines.push(text.text);
  return `${lines.join("\n")}\n`;
}

// `transferring context: 78B done`, `exporting layers 0.1s done`, `sha256:… 1.20MB / 2.40MB`.
function statusLine(status: Status): string {
  let bytes = "";
  if (status.total) bytes = ` ${formatUnits(status.current ?? 0)} / ${formatUnits(status.total)}`;
  else if (status.current) bytes = ` ${formatUnits(status.current)}`;
  let time = "";
  const end = status.completed ?? status.timestamp;
  if (status.started && end) {
    const seconds = (parseTimestamp(end) - parseTimestamp(status.started)) / 1000;
    if (seconds > 0.01) time = ` ${seconds.toFixed(1)}s`;
  }
  if (status.completed) time += " done";
  return `${status.id}${bytes}${time}`;
}

// Log lines carry the seconds since their vertex's run started, like `#5 0.231 hello`.
function renderLogs(n: number, chunks: LogChunk[], row: PlainRow): string[] {
  const lines: string[] = [];
  let partial = false;
  for (const chunk of chunks) {
    const parts = chunk.text.split("\n");
    const complete = chunk.text.endsWith("\n");
    if (complete) parts.pop();
    parts.forEach((part, index) => {
      if (index === 0 && partial && lines.length > 0) {
        lines[lines.length - 1] += part;
        return;
      }
      lines.push(`#${n} ${logSeconds(chunk, row)} ${part}`);
    });
    partial = !complete;
  }
  return lines;
}

function logSeconds(chunk: LogChunk, row: PlainRow): string {
  if (!chunk.timestamp) return "0.000";
  const at = parseTimestamp(chunk.timestamp);
  const spans = mergeSpans(row.spans);
  const span = spans.filter((span) => parseTimestamp(span.started) <= at).at(-1) ?? spans[0];
  const seconds = span ? (at - parseTimestamp(span.started)) / 1000 : 0;
  return seconds.toFixed(seconds < 10 ? 3 : seconds < 100 ? 2 : 1);
}

/** Byte counts as the displays print them: `78B`, `1.20kB`, `34.50MB` (decimal units). */
export function formatUnits(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
  if (Math.abs(bytes) < 1000) return `${Math.trunc(bytes)}B`;
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(2)}${units[unit]}`;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const list = map.get(key(item));
    if (list) list.push(item);
    else map.set(key(item), [item]);
  }
  return map;
}

/** A row as it appears in plain text: number, name and the marker that ended it, if any. */
export interface PlainTextRow {
  number: number;
  name: string;
  marker?: "CACHED" | "DONE" | "ERROR" | "CANCELED";
}

/**
 * Reads the rows back from plain text, BuildKit's or ours, so the two can be compared: each
 * number's first line gives its name, a later `CACHED`, `DONE …`, `ERROR: …` or `CANCELED` line
 * its marker. Row `#0` (buildx's own line) is left out.
 */
export function readPlainRows(text: string): PlainTextRow[] {
  const rows = new Map<number, PlainTextRow>();
  for (const line of text.split("\n")) {
    const match = /^#(\d+) (.*)$/.exec(line);
    if (!match) continue;
    const number = Number(match[1]);
    if (number === 0) continue;
    const rest = match[2];
    const row = rows.get(number);
    if (!row) {
      rows.set(number, { number, name: rest });
      continue;
    }
    if (rest === "CACHED") row.marker = "CACHED";
    else if (rest === "CANCELED") row.marker = "CANCELED";
    else if (rest.startsWith("ERROR: ") || rest === "ERROR") row.marker = "ERROR";
    else if (/^DONE( \d+\.\ds)?$/.test(rest)) row.marker = "DONE";
  }
  return [...rows.values()];
}
