/**
 * The run folder's data: what `output/<run-id>/run.json`, `results.json` and `verdicts.json` hold.
 * The experiment writes these; the report reads them and nothing else.
 */
import type { LinkRole } from "../progress/types.ts";

/** Who ran the builds: one buildx builder, from the lab or the user's own. */
export interface BuilderIdentity {
  /** The builder's name in this run, e.g. `sid-containerd`, or the user's buildx builder name. */
  name: string;
  source: "lab" | "user";
  /** buildx driver: docker, docker-container, remote, kubernetes. */
  driver: string;
  /** Where the engine listens, e.g. `unix:///…/docker.sock`. */
  endpoint: string;
  engineVersion?: string;
  buildxVersion?: string;
  /** As the builder reports it; Debian's builds say `v0.0.0+unknown`, so this may be missing. */
  buildkitVersion?: string;
  /** BuildKit worker labels (`org.mobyproject.buildkit.worker.*`). */
  workerLabels: Record<string, string>;
  /** The image store behind the builder. */
  workerMode: "graphdriver" | "containerd" | "buildkitd" | "unknown";
  /** Whether the frontend emitted a MergeOp for `COPY --link`, found by a probe build. */
  mergeOp: boolean | "unknown";
  /** Debian package versions, for lab builders. */
  packages?: Record<string, string>;
}

export type Variant = "link" | "plain";
export type CacheBackend = "inline" | "registry-min" | "registry-max" | "local";

/** One build of a scenario, as data. */
export interface BuildSpec {
  /** Short id within the scenario: `A`, `B`, `C`, `C-writeup` … */
  id: string;
  /** Build context files (name → content). */
  files: Record<string, string>;
  /** Key of the base image in the scenario's `bases`. */
  base: string;
  /** Prune the builder's own cache before this build. */
  pruneBefore: boolean;
  /**
   * With `pruneBefore`, also remove the engine's images (docker driver), and with them the blobs
   * its content store holds: a fresh machine. False prunes the build cache only, as
   * `docker buildx prune -a` does.
   */
  pruneImages: boolean;
  /** Ids of earlier builds of the same cell whose exported cache this build imports. */
  cacheFrom: string[];
  /** Export this build's cache with the cell's backend. */
  cacheTo: boolean;
  /** Push the image to the registry. */
  push: boolean;
}

export interface ScenarioSpec {
  id: string;
  title: string;
  /** Why the scenario exists, one or two sentences for the report. */
  description: string;
  /** Dockerfile template id; the rendered Dockerfile is recorded verbatim per build. */
  dockerfile: string;
  builds: BuildSpec[];
}

/** One cell of the matrix. */
export interface Cell {
  scenario: string;
  variant: Variant;
  backend: CacheBackend;
  builder: string;
}

/** One vertex's outcome in one build, flattened from the trace model. */
export interface VertexOutcome {
  digest: string;
  name: string;
  number?: number;
  step?: string;
  instruction?: string;
  role: LinkRole;
  /** The vertex's last cached flag: true when its result came from cache. */
  cached: boolean;
  /**
   * True when any event reported the vertex cached. A vertex can be reported cached (its cache key
   * matched) and then start again and run, when its cached result could not be used.
   */
  cachedEver?: boolean;
  /** How many times the vertex started. */
  runs?: number;
  displayCached: boolean;
  groupId?: string;
  started?: string;
  completed?: string;
  durationMs?: number;
  error?: string;
  canceled: boolean;
}

/** One request seen in the registry's access log. */
export interface RegistryRequest {
  time: string;
  method: string;
  path: string;
  status: number;
  /** The blob or manifest digest in the path, if any. */
  digest?: string;
}

/** What one push did, read from the registry's access log. */
export interface PushEvidence {
  repository: string;
  tag: string;
  requests: RegistryRequest[];
  /** Blob digests the engine uploaded (POST/PUT). */
  uploaded: string[];
  /** Blob digests the engine found already there (HEAD → 200). */
  present: string[];
  /** Blob digests mounted from another repository. */
  mounted: string[];
}

/** A pushed image, as the registry API describes it. */
export interface ImageEvidence {
  ref: string;
  /** Digest of what the tag points at (index or manifest). */
  digest: string;
  mediaType: string;
  /** Layer digests of the platform manifest, base first. */
  layers: string[];
}

export interface BuildRecord {
  cell: Cell;
  build: string;
  /** Exactly what was run, argv form. */
  command: string[];
  /** The Dockerfile used, verbatim. */
  dockerfile: string;
  files: Record<string, string>;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  exitCode: number;
  /** `ok`; `failed` (build error); `unsupported` (the builder refused the cache backend). */
  outcome: "ok" | "failed" | "unsupported";
  /** Text buildx printed after the stream, e.g. the error. */
  errorText?: string;
  /** Paths relative to the run folder. */
  streamFile: string;
  plainFile?: string;
  vertices: VertexOutcome[];
  push?: PushEvidence;
  image?: ImageEvidence;
}

export type Claim = "a" | "b" | "c" | "d";
export type VerdictResult = "holds" | "does-not-hold" | "not-applicable";

export interface Evidence {
  /** Which build, by id within the cell. */
  build: string;
  /** One sentence of fact, e.g. `[2/2] COPY --link bar.txt / copy vertex cached, merge executed`. */
  fact: string;
  vertex?: string;
  digests?: string[];
  requests?: RegistryRequest[];
}

export interface Verdict {
  claim: Claim;
  cell: Cell;
  result: VerdictResult;
  /** One sentence: why this result, from the evidence. */
  summary: string;
  evidence: Evidence[];
}

export interface RunInfo {
  id: string;
  startedAt: string;
  endedAt?: string;
  /** False until the run ends; an interrupted run stays incomplete. */
  complete: boolean;
  host: { hostname: string; platform: string; arch: string; kernel: string };
  tools: Record<string, string>;
  builders: BuilderIdentity[];
  registry: string;
  scenarios: ScenarioSpec[];
  /** The Dockerfiles used, by template id and variant. */
  dockerfiles: Record<string, string>;
  /** How this run departs from the original setup, one sentence each. */
  departures: string[];
  argv: string[];
}

export interface Results {
  builds: BuildRecord[];
}

export interface Verdicts {
  verdicts: Verdict[];
}
