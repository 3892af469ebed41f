import { readFile } from "node:fs/promises";
import path from "node:path";
import { formatDuration } from "../core/effects.ts";
import type { BuildRecord, VertexOutcome } from "../experiment/types.ts";
import { html } from "../notebook/html.ts";
import type { LogAnnotation } from "../notebook/notebook.ts";
import { parseTraceFile } from "../progress/file.ts";
import { renderPlain } from "../progress/plain.ts";

/** A build's plain progress with a note of each row's own truth beside it. */
export interface AnnotatedLog {
  text: string;
  /**
   * Where the text came from: rendered from the raw stream by the progress parser, the plain twin
   * the experiment saved, or rebuilt from the vertex outcomes in results.json.
   */
  source: "stream" | "plain-file" | "reconstructed";
  annotations: LogAnnotation[];
}

/**
 * Reads the plain progress of a build and annotates it row by row with what each vertex behind
 * the row really did. A row is marked misleading when the display's one word for the row (CACHED
 * or DONE) does not say what its vertices did, e.g. a `COPY --link` group printed as DONE because
 * its merge ran although its copy was cached.
 */
export async function annotatedLog(
  runDir: string,
  build: BuildRecord,
  namespace?: string,
): Promise<AnnotatedLog> {
  const { text, source } = await plainText(runDir, build);
  const short = shortenDigests(namespace ? text.replaceAll(namespace, "…/") : text);
  return { text: short, source, annotations: annotate(text, build.vertices) };
}

/**
 * The run's own namespace in the registry (`127.0.0.1:5000/bkmt/<run-id>/`), which prefixes
 * every image and cache reference in the logs: the registry, then the folder that all pushed
 * repositories share. Undefined when nothing was pushed, or the repositories share no folder.
 */
export function registryNamespace(
  registry: string,
  builds: readonly BuildRecord[],
): string | undefined {
  const repositories = builds.flatMap((b) => (b.push ? [b.push.repository] : []));
  if (!registry || repositories.length === 0) return undefined;
  let prefix = repositories[0].slice(0, repositories[0].lastIndexOf("/") + 1);
  for (const repository of repositories) {
    while (prefix && !repository.startsWith(prefix)) {
      prefix = prefix.slice(0, prefix.lastIndexOf("/", prefix.length - 2) + 1);
    }
  }
  return prefix ? `${registry}/${prefix}` : undefined;
}

/**
 * Digests cut to their first 12 hex digits, as the rest of the report writes them. A full run
 * prints some 2,000 digests in its logs, and their tails alone would be a tenth of the page; the
 * raw stream in the run folder keeps every digest whole. Lines stay where they were.
 */
export function shortenDigests(text: string): string {
  return text.replace(/\b(sha256:[0-9a-f]{12})[0-9a-f]{52}\b/g, "$1…");
}

async function plainText(
  runDir: string,
  build: BuildRecord,
): Promise<{ text: string; source: AnnotatedLog["source"] }> {
  // The raw stream is the record; a stream cut off before its first vertex is no use here.
  const trace = await parseTraceFile(path.join(runDir, build.streamFile)).catch(() => undefined);
  if (trace && trace.vertices.length > 0) return { text: renderPlain(trace), source: "stream" };

  if (build.plainFile) {
    const text = await readFile(path.join(runDir, build.plainFile), "utf8").catch(() => undefined);
    if (text !== undefined) return { text, source: "plain-file" };
  }
  return { text: reconstructPlain(build.vertices, build.errorText), source: "reconstructed" };
}

/** The rows of one plain-display vertex: its number, and its lines (1-based) in the text. */
interface Row {
  number: number;
  title: string;
  lines: { line: number; text: string }[];
}

function rowsOf(text: string): Row[] {
  const rows = new Map<number, Row>();
  text.split("\n").forEach((content, index) => {
    const match = /^#(\d+) (.*)$/.exec(content);
    if (!match) return;
    const number = Number(match[1]);
    const row = rows.get(number) ?? { number, title: match[2], lines: [] };
    row.lines.push({ line: index + 1, text: match[2] });
    rows.set(number, row);
  });
  return [...rows.values()];
}

/** Finds the vertices behind a row: by row number first, then by name. */
function verticesOf(row: Row, vertices: readonly VertexOutcome[]): VertexOutcome[] {
  const numbered = vertices.filter((v) => v.number === row.number);
  if (numbered.length) return numbered;
  const named = vertices.filter(
    (v) => v.name === row.title || (v.step && `${v.step} ${v.instruction}` === row.title),
  );
  if (named.length === 0) return [];
  const group = named.find((v) => v.groupId)?.groupId;
  return group ? vertices.filter((v) => v.groupId === group) : named;
}

export function annotate(text: string, vertices: readonly VertexOutcome[]): LogAnnotation[] {
  const annotations: LogAnnotation[] = [];
  for (const row of rowsOf(text)) {
    // The copy of a `--link` group reads best before its merge.
    const members = verticesOf(row, vertices).sort(
      (a, b) => Number(b.role === "link-copy") - Number(a.role === "link-copy"),
    );
    if (members.length === 0) continue;
    const status = [...row.lines]
      .reverse()
      .find((l) => /^(CACHED|DONE|ERROR|CANCELED)\b/.test(l.text));
    const line = (status ?? row.lines[0]).line;
    const printedCached = status ? /^CACHED\b/.test(status.text) : undefined;
    const truth = html`${members.map((v, i) => html`${i ? "; " : ""}${describeVertex(v, members.length > 1)}`)}`;

    const errored = members.find((v) => v.error && !v.canceled);
    if (errored) {
      annotations.push({ line, kind: "error", note: html`${truth}. Error: ${errored.error}` });
      continue;
    }
    const copy = members.find((v) => v.role === "link-copy");
    if (printedCached === false && members.some((v) => v.cached)) {
      const reason = copy?.cached
        ? "printed without CACHED because the LINK merge ran, yet the file copy was cached and reused"
        : "printed without CACHED because one member ran, yet another was cached";
      annotations.push({ line, kind: "misleading", note: html`${truth}: ${reason}.` });
    } else if (printedCached === true && members.some((v) => !v.cached)) {
      annotations.push({
        line,
        kind: "misleading",
        note: html`${truth}: printed CACHED although a vertex behind the row ran.`,
      });
    } else if (members.some((v) => v.step || (v.cachedEver && !v.cached))) {
      // A plain note only where it tells something: on a Dockerfile step, or on a vertex that was
      // reported cached and then ran. Rows such as `[internal]` loads, export and push say the
      // same as the display, and noting each of them would make a full run's page much larger.
      annotations.push({ line, kind: "note", note: truth });
    }
  }
  return annotations;
}

function describeVertex(vertex: VertexOutcome, named: boolean): string {
  const who =
    vertex.role === "link-copy" ? "copy" : vertex.role === "link-merge" ? "LINK merge" : "vertex";
  const state = vertex.canceled
    ? "canceled"
    : vertex.error
      ? "failed"
      : vertex.cached
        ? "cached"
        : `${vertex.cachedEver ? "reported cached, then executed" : "executed"}${
            vertex.durationMs === undefined ? "" : ` in ${formatDuration(vertex.durationMs)}`
          }`;
  return named || vertex.role !== "plain" ? `${who} ${state}` : state;
}

/**
 * Rebuilds plain rows from the vertex outcomes when no plain twin was saved: one row per number,
 * members of a progress group sharing theirs, each ending as the display ends a row.
 */
export function reconstructPlain(vertices: readonly VertexOutcome[], errorText?: string): string {
  const rows = new Map<number, VertexOutcome[]>();
  for (const vertex of vertices) {
    if (vertex.number === undefined) continue;
    rows.set(vertex.number, [...(rows.get(vertex.number) ?? []), vertex]);
  }
  const lines: string[] = [];
  for (const [number, members] of [...rows].sort((a, b) => a[0] - b[0])) {
    const first = members.find((v) => v.role !== "link-copy") ?? members[0];
    const title =
      members.length > 1 && first.step && first.instruction
        ? `${first.step} ${first.instruction}`
        : first.name;
    lines.push(`#${number} ${title}`);
    const failed = members.find((v) => v.error);
    const seconds = members.reduce((sum, v) => sum + (v.durationMs ?? 0), 0) / 1000;
    if (failed?.canceled) lines.push(`#${number} CANCELED`);
    else if (failed) lines.push(`#${number} ERROR: ${failed.error}`);
    else if (members.every((v) => v.cached)) lines.push(`#${number} CACHED`);
    else lines.push(`#${number} DONE ${seconds.toFixed(1)}s`);
    lines.push("");
  }
  if (errorText) lines.push(errorText.trimEnd());
  return `${lines.join("\n")}\n`;
}
