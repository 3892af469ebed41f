/**
 * Builds the trace model from progress events: one record per vertex merged across its many
 * updates, its spans, statuses, logs and warnings, and the facts derived from them (step label,
 * instruction, `--link` role, the display's row number and cached-ness).
 */
import type { ProgressEvent, RawVertex, SolveStatus } from "./parser.ts";
import type {
  GroupSummary,
  LinkRole,
  LogChunk,
  ProgressGroup,
  Span,
  Status,
  TextEvent,
  Trace,
  Vertex,
  Warning,
} from "./types.ts";

/** What the builder keeps per vertex between updates. */
interface VertexState {
  digest: string;
  name: string;
  inputs: string[];
  cached: boolean;
  /** Any update said cached, even if a later start ran the vertex after all. */
  cachedEver: boolean;
  error?: string;
  group?: ProgressGroup;
  /** Spans by their start timestamp, as BuildKit's displays key them. */
  spans: Map<string, Span>;
  /** The row number of a vertex outside any group. */
  number?: number;
}

interface GroupState {
  id: string;
  name: string;
  members: string[];
  hidden: boolean;
  number?: number;
}

/**
 * Merges progress events into a trace, one event at a time. `trace()` returns a fresh snapshot and
 * can be called at any point, so a caller can watch a build while it runs.
 */
export class TraceBuilder {
  #vertices = new Map<string, VertexState>();
  #groups = new Map<string, GroupState>();
  #statuses = new Map<string, Status>();
  #logs: LogChunk[] = [];
  #warnings: Warning[] = [];
  #text: TextEvent[] = [];
  #shape: Trace["shape"] = "empty";
  #parseError: Trace["parseError"];
  #rows = 0;
  #logDecoder = new TextDecoder();

  /** Takes one event from the parser. */
  add(event: ProgressEvent): void {
    if (event.kind === "text") {
      this.#text.push({ text: event.text, offset: event.offset, line: event.line });
      return;
    }
    if (this.#shape === "empty") this.#shape = event.shape;
    this.addStatus(event.status);
  }

  /** Records why the stream stopped being readable; what was added before stays. */
  fail(error: { message: string; offset: number; line: number; file?: string }): void {
    this.#parseError = {
      message: error.message,
      offset: error.offset,
      line: error.line,
      ...(error.file === undefined ? {} : { file: error.file }),
    };
  }

  /** Takes one SolveStatus, in stream order. */
  addStatus(status: SolveStatus): void {
    // Vertices first; groups touched by this update are settled after all of its vertices, the
    // order in which the displays hand out row numbers.
    const touched: GroupState[] = [];
    for (const raw of status.vertexes ?? []) {
      const group = this.#addVertex(raw);
      if (group && !touched.includes(group)) touched.push(group);
    }
    for (const group of touched) this.#revealGroup(group);

    for (const raw of status.statuses ?? []) {
      const key = `${raw.vertex}\u0000${raw.id}`;
      const previous = this.#statuses.get(key);
      const next: Status = { id: raw.id, vertex: raw.vertex };
      if (raw.name !== undefined) next.name = raw.name;
      if (raw.total !== undefined) next.total = raw.total;
      if (raw.current !== undefined) next.current = raw.current;
      if (raw.timestamp !== undefined) next.timestamp = raw.timestamp;
      const started = raw.started ?? previous?.started;
      if (started !== undefined) next.started = started;
      const completed = raw.completed ?? previous?.completed;
      if (completed !== undefined) next.completed = completed;
      // Setting a key that exists keeps its place: the order stays that of first appearance.
      this.#statuses.set(key, next);
    }

    for (const raw of status.logs ?? []) {
      const chunk: LogChunk = {
        vertex: raw.vertex,
        stream: raw.stream ?? 1,
        text: this.#logDecoder.decode(decodeBase64(raw.data ?? "")),
      };
      if (raw.timestamp !== undefined) chunk.timestamp = raw.timestamp;
      this.#logs.push(chunk);
    }

    for (const raw of status.warnings ?? []) {
      const warning: Warning = {
        vertex: raw.vertex,
        short: this.#logDecoder.decode(decodeBase64(raw.short ?? "")),
        detail: (raw.detail ?? []).map((line) => this.#logDecoder.decode(decodeBase64(line))),
      };
      if (raw.level !== undefined) warning.level = raw.level;
      if (raw.url) warning.url = raw.url;
      this.#warnings.push(warning);
    }
  }

  // Merges one vertex update; returns its progress group, if it has one.
  #addVertex(raw: RawVertex): GroupState | undefined {
    let state = this.#vertices.get(raw.digest);
    if (!state) {
      state = {
        digest: raw.digest,
        name: raw.name ?? "",
        inputs: [],
        cached: false,
        cachedEver: false,
        spans: new Map(),
      };
      this.#vertices.set(raw.digest, state);
    }
    const wasStarted = state.spans.size > 0;
    if (raw.name) state.name = raw.name;
    if (raw.inputs && raw.inputs.length > 0) state.inputs = [...raw.inputs];
    if (raw.progressGroup) {
      const { id, name, weak } = raw.progressGroup;
      state.group = { id, name: name ?? "", weak: weak === true };
    }

    // The engine re-announces vertices without a start time; like the displays, let such an
    // update not undo what a started one said (cached, error, completion).
    if (raw.cached === true) state.cachedEver = true;
    if (raw.started !== undefined || !wasStarted) {
      state.cached = raw.cached === true;
      if (raw.error) state.error = raw.error;
      else if (raw.started !== undefined) delete state.error;
    }
    if (raw.started !== undefined) {
      const span = state.spans.get(raw.started) ?? { started: raw.started };
      if (raw.completed !== undefined) span.completed = raw.completed;
      state.spans.set(raw.started, span);
    }

    if (state.group) return this.#joinGroup(state);

    // A vertex outside any group gets its row when it first starts.
    if (!wasStarted && state.spans.size > 0 && state.number === undefined) {
      state.number = ++this.#rows;
    }
    return undefined;
  }

  #joinGroup(state: VertexState): GroupState {
    const info = state.group!;
    let group = this.#groups.get(info.id);
    if (!group) {
      group = { id: info.id, name: info.name, members: [], hidden: true };
      this.#groups.set(info.id, group);
    }
    if (!group.members.includes(state.digest)) group.members.push(state.digest);
    return group;
  }

  // The displays keep a group hidden until a non-weak member starts; then it gets its row.
  #revealGroup(group: GroupState): void {
    if (!group.hidden) return;
    for (const digest of group.members) {
      const member = this.#vertices.get(digest)!;
      if (member.spans.size > 0 && member.group?.weak !== true) {
        group.hidden = false;
        group.number = ++this.#rows;
        return;
      }
    }
  }

  /** A snapshot of the trace so far, with every derived fact computed. */
  trace(): Trace {
    const groups = new Map<string, GroupSummary>();
    for (const state of this.#groups.values()) groups.set(state.id, this.#summarizeGroup(state));

    const vertices: Vertex[] = [];
    for (const state of this.#vertices.values()) {
      const group = state.group ? groups.get(state.group.id) : undefined;
      vertices.push(describeVertex(state, group));
    }

    const trace: Trace = {
      vertices,
      statuses: [...this.#statuses.values()].map((status) => ({ ...status })),
      logs: [...this.#logs],
      warnings: [...this.#warnings],
      text: [...this.#text],
      groups: [...groups.values()],
      shape: this.#shape,
    };
    if (this.#parseError) trace.parseError = { ...this.#parseError };
    return trace;
  }

  #summarizeGroup(state: GroupState): GroupSummary {
    const members = state.members.map((digest) => this.#vertices.get(digest)!);
    const spans = mergeSpans(members.flatMap((member) => [...member.spans.values()]));
    const error = members.find((member) => member.error)?.error;
    const summary: GroupSummary = {
      id: state.id,
      name: state.name,
      members: [...state.members],
      hidden: state.hidden,
      cached: members.every((member) => member.cached),
      canceled: error !== undefined && isCanceled(error),
      spans,
    };
    if (state.number !== undefined) summary.number = state.number;
    if (error !== undefined) summary.error = error;
    const duration = sumSpans(spans);
    if (duration !== undefined) summary.durationMs = duration;
    return summary;
  }
}

// Turns a vertex's state into the model's record with its derived facts.
function describeVertex(state: VertexState, group: GroupSummary | undefined): Vertex {
  const spans = [...state.spans.values()]
    .map((span) => ({ ...span }))
    .sort((a, b) => parseTimestamp(a.started) - parseTimestamp(b.started));
  const label = parseName(state.name, state.group?.name);
  const vertex: Vertex = {
    digest: state.digest,
    name: state.name,
    inputs: [...state.inputs],
    cached: state.cached,
    cachedEver: state.cachedEver,
    spans,
    canceled: state.error !== undefined && isCanceled(state.error),
    role: linkRole(state),
    displayCached: group ? group.cached : state.cached,
  };
  if (spans.length > 0) vertex.started = spans[0].started;
  const last = spans.at(-1);
  if (last?.completed !== undefined) vertex.completed = last.completed;
  if (state.error !== undefined) vertex.error = state.error;
  if (state.group) vertex.progressGroup = { ...state.group };
  const number = group ? group.number : state.number;
  if (number !== undefined) vertex.number = number;
  if (label.step !== undefined) vertex.step = label.step;
  if (label.instruction !== undefined) vertex.instruction = label.instruction;
  const duration = sumSpans(mergeSpans(spans));
  if (duration !== undefined) vertex.durationMs = duration;
  return vertex;
}

const INSTRUCTIONS =
  /^(ADD|ARG|CMD|COPY|ENTRYPOINT|ENV|EXPOSE|FROM|HEALTHCHECK|LABEL|MAINTAINER|ONBUILD|RUN|SHELL|STOPSIGNAL|USER|VOLUME|WORKDIR)\b/i;

/**
 * Reads the step label and the Dockerfile instruction from a vertex name such as
 * `[stage-1 2/3] LINK COPY --link bar.txt /`. A copy whose own name is generic (older frontends
 * name it `copy …`) takes the instruction from its progress group's name.
 */
export function parseName(
  name: string,
  groupName?: string,
): { step?: string; instruction?: string } {
  const result: { step?: string; instruction?: string } = {};
  let rest = name;
  const label = /^\[([^\]]*\d+\/\d+)\]\s*/.exec(name);
  if (label) {
    result.step = `[${label[1]}]`;
    rest = name.slice(label[0].length);
  }
  if (rest.startsWith("LINK ")) rest = rest.slice(5);
  if (INSTRUCTIONS.test(rest) && /^[A-Z]/.test(rest)) {
    result.instruction = rest;
  } else if (groupName) {
    const fromGroup = parseName(groupName);
    if (fromGroup.instruction !== undefined) result.instruction = fromGroup.instruction;
    if (result.step === undefined && fromGroup.step !== undefined) result.step = fromGroup.step;
  }
  return result;
}

// The copy of a `COPY --link` is its group's weak member; the merge is named `LINK …`.
function linkRole(state: VertexState): LinkRole {
  const bare = state.name.replace(/^\[[^\]]*\]\s*/, "");
  if (bare.startsWith("LINK ")) return "link-merge";
  if (state.group?.weak) return "link-copy";
  return "plain";
}

/** The displays print CANCELED instead of ERROR when the error ends with this. */
export function isCanceled(error: string): boolean {
  return error.endsWith("context canceled");
}

/**
 * Milliseconds since the epoch for an RFC 3339 timestamp, keeping the sub-millisecond digits that
 * BuildKit sends (nanoseconds) as a fraction.
 */
export function parseTimestamp(value: string): number {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(value);
  if (!match) return Date.parse(value);
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  const fraction = match[2] ? Number(`0.${match[2]}`) * 1000 : 0;
  return seconds + fraction;
}

/** Merges spans that overlap in time; an open span runs to the end. */
export function mergeSpans(spans: Span[]): Span[] {
  const sorted = spans
    .map((span) => ({ span, start: parseTimestamp(span.started) }))
    .sort((a, b) => a.start - b.start);
  const merged: Span[] = [];
  let currentEnd = Number.NEGATIVE_INFINITY;
  for (const { span, start } of sorted) {
    const end =
      span.completed === undefined ? Number.POSITIVE_INFINITY : parseTimestamp(span.completed);
    const last = merged.at(-1);
    if (last && start <= currentEnd) {
      if (end > currentEnd) {
        currentEnd = end;
        if (span.completed === undefined) delete last.completed;
        else last.completed = span.completed;
      }
      continue;
    }
    merged.push({ ...span });
    currentEnd = end;
  }
  return merged;
}

// The total time of completed spans; undefined when no span has completed.
function sumSpans(spans: Span[]): number | undefined {
  let total: number | undefined;
  for (const span of spans) {
    if (span.completed === undefined) continue;
    const duration = parseTimestamp(span.completed) - parseTimestamp(span.started);
    total = (total ?? 0) + Math.max(0, duration);
  }
  return total === undefined ? undefined : Math.round(total * 1000) / 1000;
}

// Decodes base64 without Node's Buffer, so the same code runs under Deno.
function decodeBase64(data: string): Uint8Array {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Builds a trace from a list of events, for tests and for callers that already hold them. */
export function buildTrace(events: Iterable<ProgressEvent>): Trace {
  const builder = new TraceBuilder();
  for (const event of events) builder.add(event);
  return builder.trace();
}
