/**
 * The trace model: what one build's raw progress (`--progress=rawjson`) says, merged per vertex.
 * Field names follow BuildKit's `client.SolveStatus` (moby/buildkit `client/graph.go`).
 */

/** A progress group as BuildKit sends it; the copy of a `COPY --link` is the group's weak member. */
export interface ProgressGroup {
  id: string;
  name: string;
  weak: boolean;
}

/** How a vertex takes part in `COPY --link`. */
export type LinkRole =
  /** The file copy onto an empty (scratch) state, the weak member of a `--link` group. */
  | "link-copy"
  /** The MergeOp named `LINK …` that stacks the copy onto the layers below. */
  | "link-merge"
  /** Any other vertex, including a `COPY --link` the frontend built as a plain copy. */
  | "plain";

/** One start→completion span; a vertex can run more than once in one build. */
export interface Span {
  started: string;
  completed?: string;
}

export interface Vertex {
  digest: string;
  name: string;
  inputs: string[];
  /** BuildKit leaves `cached` out when false; this is the last value seen. */
  cached: boolean;
  /**
   * True when any update reported the vertex cached: its cache key matched, though a later start
   * may have run it after all (when the cached result could not be loaded).
   */
  cachedEver: boolean;
  /** Every start→completion span seen, in order. */
  spans: Span[];
  started?: string;
  completed?: string;
  error?: string;
  /** True when the error ends in "context canceled", which the displays print as CANCELED. */
  canceled: boolean;
  progressGroup?: ProgressGroup;
  /**
   * The plain display's row number (`#4`), 1-based, in order of first start. Members of a progress
   * group share the group's row; undefined when the vertex never got a row (never started, or in a
   * group the display kept hidden).
   */
  number?: number;
  /** `[2/3]` style label parsed from the name, if any. */
  step?: string;
  /** The Dockerfile instruction parsed from the name, e.g. `COPY --link bar.txt /`. */
  instruction?: string;
  role: LinkRole;
  /** Cached as the plain display computes it: every vertex of its progress group is cached. */
  displayCached: boolean;
  /** Sum of the spans' durations in milliseconds, from BuildKit's own timestamps. */
  durationMs?: number;
}

export interface Status {
  id: string;
  vertex: string;
  name?: string;
  total?: number;
  current?: number;
  timestamp?: string;
  started?: string;
  completed?: string;
}

export interface LogChunk {
  vertex: string;
  /** 1 for stdout, 2 for stderr. */
  stream: number;
  /** The decoded `data` bytes as UTF-8 text. */
  text: string;
  timestamp?: string;
}

export interface Warning {
  vertex: string;
  level?: number;
  /** The decoded `short` bytes. */
  short: string;
  /** The decoded `detail` lines. */
  detail: string[];
  url?: string;
}

/** A progress group with its members, as the displays see it: one row for all of them. */
export interface GroupSummary {
  id: string;
  name: string;
  /** Member digests, in order of first appearance. */
  members: string[];
  /** The row number in the plain display; undefined while the group stays hidden. */
  number?: number;
  /**
   * The displays hide a group until one of its non-weak members starts: the lone copy of the
   * first `COPY --link` onto scratch never gets a row.
   */
  hidden: boolean;
  /** Every member is cached, which is how the displays decide to print CACHED for the row. */
  cached: boolean;
  /** The first member error, if any. */
  error?: string;
  canceled: boolean;
  /** The members' spans merged where they overlap. */
  spans: Span[];
  durationMs?: number;
}

/** Text found between JSON objects, such as the error buildx prints when a build fails. */
export interface TextEvent {
  text: string;
  offset: number;
  line: number;
}

export interface Trace {
  /** Vertices in order of first appearance. */
  vertices: Vertex[];
  /** Latest value of each status, by `vertex + id`, in order of first appearance. */
  statuses: Status[];
  logs: LogChunk[];
  warnings: Warning[];
  text: TextEvent[];
  /** Progress groups in order of first appearance. */
  groups: GroupSummary[];
  /** Which framing the stream used: buildx ≤ 0.14 pretty-printed, ≥ 0.15 one object per line. */
  shape: "pretty" | "lines" | "empty";
  /** Set when the stream could not be parsed to its end; what came before is kept. */
  parseError?: { message: string; offset: number; line: number; file?: string };
}
