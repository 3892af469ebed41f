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
  /** Every start→completion span seen, in order. */
  spans: Span[];
  started?: string;
  completed?: string;
  error?: string;
  /** True when the error ends in "context canceled", which the displays print as CANCELED. */
  canceled: boolean;
  progressGroup?: ProgressGroup;
  /** Order of first start, 1-based, as the plain display numbers vertices; undefined if never started. */
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
  short: string;
  detail: string[];
  url?: string;
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
  /** Which framing the stream used: buildx ≤ 0.14 pretty-printed, ≥ 0.15 one object per line. */
  shape: "pretty" | "lines" | "empty";
  /** Set when the stream could not be parsed to its end; what came before is kept. */
  parseError?: { message: string; offset: number; line: number; file?: string };
}
