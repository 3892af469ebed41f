/**
 * Verdicts from data only. Which layers a build could have reused is worked out from its inputs
 * (file contents, base image, cache source); whether it did comes from BuildKit's own per-vertex
 * flags and the registry's access log. No expected answer is written anywhere here.
 */
import { formatDuration } from "../core/effects.ts";
import { type DockerfileTemplate, instructionFor, template } from "../scenarios/dockerfiles.ts";
import { cellKey } from "./naming.ts";
import type {
  BuildRecord,
  BuildSpec,
  Cell,
  Claim,
  Evidence,
  ScenarioSpec,
  Verdict,
  VertexOutcome,
} from "./types.ts";

/** What each claim says, for tables and the report. */
export const CLAIMS: Record<Claim, string> = {
  a: "A COPY --link step is reused from the imported cache although a layer below it changed",
  b: "On a rebase, --link layers are reused and not uploaded again",
  c: "A push uploads only the blobs the repository lacks",
  d: "The plain display marks a reused --link step CACHED",
};

/** A later layer whose input matches the cache source while something below it changed. */
export interface Opportunity {
  build: string;
  source: string;
  layer: number;
  instruction: string;
  /** Why the layer below counts as changed: `base`, or the instruction of the changed layer. */
  changedBelow: string;
}

/** What decides a layer's content: the file's content, or the stage's command and base. */
function layerInput(t: DockerfileTemplate, index: number, spec: BuildSpec): string | undefined {
  const source = t.layers[index].source;
  if ("file" in source) {
    const content = spec.files[source.file];
    return content === undefined ? undefined : `file:${source.file}:${content}`;
  }
  return `stage:${source.stage}:${t.stages[source.stage]}:${spec.base}`;
}

/** Every layer of `spec` that could be reused from each of its cache sources. */
export function opportunities(
  scenario: ScenarioSpec,
  spec: BuildSpec,
  variant: Cell["variant"],
): Opportunity[] {
  const t = template(scenario.dockerfile);
  const found: Opportunity[] = [];
  for (const sourceId of spec.cacheFrom) {
    const source = scenario.builds.find((b) => b.id === sourceId);
    if (!source) continue;
    let changedBelow = source.base !== spec.base ? "base" : undefined;
    for (let i = 0; i < t.layers.length; i++) {
      const mine = layerInput(t, i, spec);
      const theirs = layerInput(t, i, source);
      if (mine !== undefined && mine === theirs && changedBelow) {
        found.push({
          build: spec.id,
          source: sourceId,
          layer: i,
          instruction: instructionFor(t.layers[i], variant),
          changedBelow,
        });
      }
      if (mine !== theirs) changedBelow ??= instructionFor(t.layers[i], variant);
    }
  }
  return found;
}

/** The vertices BuildKit ran for one instruction, by their link role. */
export function stepVertices(record: BuildRecord, instruction: string) {
  const all = record.vertices.filter((v) => v.instruction === instruction);
  return {
    copy: all.find((v) => v.role === "link-copy") ?? all.find((v) => v.role === "plain"),
    merge: all.find((v) => v.role === "link-merge"),
  };
}

/**
 * How a step came out: reused; merge-only (copy reused, merge run again); matched-then-rebuilt (the
 * copy's cache key matched, then the copy ran anyway); rebuilt; or missing.
 */
export type StepOutcome = "reused" | "merge-only" | "matched-then-rebuilt" | "rebuilt" | "missing";

export function stepOutcome(record: BuildRecord, instruction: string): StepOutcome {
  const { copy, merge } = stepVertices(record, instruction);
  if (!copy) return "missing";
  if (!copy.cached) return copy.cachedEver ? "matched-then-rebuilt" : "rebuilt";
  if (merge && !merge.cached) return "merge-only";
  return "reused";
}

function describeVertex(v: VertexOutcome | undefined): string {
  if (!v) return "absent";
  if (v.error) return v.canceled ? "canceled" : "failed";
  if (v.cached) return "cached";
  return v.cachedEver ? "reported cached, then executed" : "executed";
}

function stepFact(op: Opportunity, record: BuildRecord): Evidence {
  const { copy, merge } = stepVertices(record, op.instruction);
  const parts = [`copy ${describeVertex(copy)}`];
  if (merge) parts.push(`LINK merge ${describeVertex(merge)}`);
  parts.push(`display ${copy?.displayCached ? "CACHED" : "not CACHED"}`);
  return {
    build: op.build,
    vertex: copy?.digest,
    digests: [copy?.digest, merge?.digest].filter((d): d is string => Boolean(d)),
    fact:
      `${op.build}: ${copy?.step ?? ""} ${op.instruction} — ${parts.join(", ")} ` +
      `(cache from ${op.source}; changed below: ${op.changedBelow})`.replace(/\s+/g, " "),
  };
}

interface CellData {
  cell: Cell;
  scenario: ScenarioSpec;
  records: Map<string, BuildRecord>;
}

/** A cell cannot answer when a cache source it depends on failed or was refused. */
function blockedBy(data: CellData, ops: Opportunity[]): string | undefined {
  for (const op of ops) {
    for (const id of [op.source, op.build]) {
      const record = data.records.get(id);
      if (!record) return `build ${id} did not run`;
      if (record.outcome === "unsupported") {
        return `the builder refused the ${data.cell.backend} cache backend: ${firstLine(record.errorText)}`;
      }
      if (record.outcome === "failed") return `build ${id} failed: ${firstLine(record.errorText)}`;
    }
  }
  return undefined;
}

function firstLine(text: string | undefined): string {
  const lines = (text ?? "").split("\n").map((l) => l.trim());
  return lines.find((l) => /error|not supported/i.test(l)) ?? lines.find(Boolean) ?? "no message";
}

function verdict(
  data: CellData,
  claim: Claim,
  result: Verdict["result"],
  summary: string,
  evidence: Evidence[],
): Verdict {
  return { claim, cell: data.cell, result, summary, evidence };
}

/** Claim a: later `--link` layers reused from imported cache although a layer below changed. */
function claimA(data: CellData): Verdict {
  const ops = data.scenario.builds
    .flatMap((spec) => opportunities(data.scenario, spec, data.cell.variant))
    .filter((op) => op.changedBelow !== "base");
  if (ops.length === 0) {
    return verdict(
      data,
      "a",
      "not-applicable",
      "no build keeps a later layer while changing one below",
      [],
    );
  }
  const blocked = blockedBy(data, ops);
  if (blocked) return verdict(data, "a", "not-applicable", blocked, []);
  const evidence = ops.map((op) => stepFact(op, data.records.get(op.build)!));
  evidence.push(...wallTimeFacts(data, ops));
  const outcomes = ops.map((op) => stepOutcome(data.records.get(op.build)!, op.instruction));
  const reused = outcomes.filter((o) => o === "reused" || o === "merge-only").length;
  const result = reused === ops.length ? "holds" : "does-not-hold";
  return verdict(
    data,
    "a",
    result,
    `${reused} of ${ops.length} later layers reused (${summarize(outcomes)})`,
    evidence,
  );
}

/** Where a stage feeds a copy, the stage's own vertices and the build's wall time tell too. */
function wallTimeFacts(data: CellData, ops: Opportunity[]): Evidence[] {
  const t = template(data.scenario.dockerfile);
  if (Object.keys(t.stages).length === 0) return [];
  const facts: Evidence[] = [];
  for (const op of ops) {
    const record = data.records.get(op.build)!;
    const source = data.records.get(op.source)!;
    const runs = record.vertices.filter((v) => v.instruction?.startsWith("RUN "));
    const run = runs.length === 0 ? "not run at all" : runs.map(describeVertex).join(", ");
    facts.push({
      build: op.build,
      fact:
        `${op.build} took ${formatDuration(record.durationMs)} against ${formatDuration(source.durationMs)} ` +
        `for ${op.source}; the slow stage's RUN: ${run}`,
    });
  }
  return facts;
}

function summarize(outcomes: StepOutcome[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(", ");
}

/** Claim b: on a new base, linked layers are reused and their blobs are not uploaded again. */
function claimB(data: CellData): Verdict {
  const ops = data.scenario.builds
    .flatMap((spec) => opportunities(data.scenario, spec, data.cell.variant))
    .filter((op) => op.changedBelow === "base");
  if (ops.length === 0) {
    return verdict(data, "b", "not-applicable", "no build changes the base image", []);
  }
  const blocked = blockedBy(data, ops);
  if (blocked) return verdict(data, "b", "not-applicable", blocked, []);
  const t = template(data.scenario.dockerfile);
  const evidence: Evidence[] = [];
  let good = 0;
  for (const op of ops) {
    const record = data.records.get(op.build)!;
    const source = data.records.get(op.source)!;
    const fact = stepFact(op, record);
    const outcome = stepOutcome(record, op.instruction);
    const mine = layerDigest(record, t, op.layer);
    const theirs = layerDigest(source, t, op.layer);
    const uploaded = mine !== undefined && (record.push?.uploaded.includes(mine) ?? false);
    const sameBlob = mine !== undefined && mine === theirs;
    fact.digests = [...(fact.digests ?? []), ...[mine, theirs].filter((d): d is string => !!d)];
    fact.fact +=
      `; layer ${short(mine)} ${sameBlob ? "is" : "is not"} ${op.source}'s blob` +
      (record.push ? `, ${uploaded ? "uploaded again" : "not uploaded"}` : ", push not observed");
    evidence.push(fact);
    if ((outcome === "reused" || outcome === "merge-only") && sameBlob && !uploaded) good++;
  }
  return verdict(
    data,
    "b",
    good === ops.length ? "holds" : "does-not-hold",
    `${good} of ${ops.length} layers reused with the same blob and not uploaded again`,
    evidence,
  );
}

/** The blob of a template layer in a pushed image: the template's layers come last. */
function layerDigest(
  record: BuildRecord,
  t: DockerfileTemplate,
  index: number,
): string | undefined {
  const layers = record.image?.layers;
  if (!layers || layers.length < t.layers.length) return undefined;
  return layers[layers.length - t.layers.length + index];
}

function short(digest: string | undefined): string {
  return digest ? digest.replace(/^sha256:/, "").slice(0, 12) : "(unknown)";
}

/** Claim c: each push uploads only blobs its repository did not have before. */
function claimC(data: CellData): Verdict {
  const pushes = data.scenario.builds
    .map((spec) => data.records.get(spec.id))
    .filter((r): r is BuildRecord => Boolean(r?.push));
  if (pushes.length < 2) {
    const why = data.scenario.builds.some((b) => b.push)
      ? "fewer than two pushes were observed in the registry's access log"
      : "no build pushes";
    return verdict(data, "c", "not-applicable", why, []);
  }
  const known = new Set<string>();
  const evidence: Evidence[] = [];
  let again = 0;
  for (const record of pushes) {
    const push = record.push!;
    const reuploaded = push.uploaded.filter((d) => known.has(d));
    again += reuploaded.length;
    evidence.push({
      build: record.build,
      fact:
        `${record.build}: ${push.uploaded.length} uploaded, ${push.present.length} already present, ` +
        `${push.mounted.length} mounted` +
        (reuploaded.length ? `; uploaded again: ${reuploaded.map(short).join(", ")}` : ""),
      digests: [...push.uploaded, ...push.present, ...push.mounted],
      requests: push.requests.filter((r) => r.method !== "GET"),
    });
    for (const d of [...push.uploaded, ...push.present, ...push.mounted]) known.add(d);
  }
  return verdict(
    data,
    "c",
    again === 0 ? "holds" : "does-not-hold",
    again === 0
      ? `${pushes.length} pushes; no blob the repository already had was uploaded again`
      : `${again} blobs the repository already had were uploaded again`,
    evidence,
  );
}

/** Claim d: where a `--link` step was reused, does the plain display say CACHED? */
function claimD(data: CellData): Verdict {
  const ops = data.scenario.builds.flatMap((spec) =>
    opportunities(data.scenario, spec, data.cell.variant),
  );
  const reused = ops.filter((op) => {
    const record = data.records.get(op.build);
    if (record?.outcome !== "ok") return false;
    const outcome = stepOutcome(record, op.instruction);
    return outcome === "reused" || outcome === "merge-only";
  });
  if (reused.length === 0) {
    return verdict(
      data,
      "d",
      "not-applicable",
      "no step was reused, so there is nothing to show",
      [],
    );
  }
  const evidence = reused.map((op) => stepFact(op, data.records.get(op.build)!));
  const shown = reused.filter(
    (op) => stepVertices(data.records.get(op.build)!, op.instruction).copy?.displayCached,
  ).length;
  return verdict(
    data,
    "d",
    shown === reused.length ? "holds" : "does-not-hold",
    `${shown} of ${reused.length} reused steps printed as CACHED`,
    evidence,
  );
}

/** Evaluates every claim for every cell that has builds. */
export function computeVerdicts(scenarios: ScenarioSpec[], builds: BuildRecord[]): Verdict[] {
  const cells = new Map<string, CellData>();
  for (const record of builds) {
    const key = cellKey(record.cell);
    let data = cells.get(key);
    if (!data) {
      const scenario = scenarios.find((s) => s.id === record.cell.scenario);
      if (!scenario) continue;
      data = { cell: record.cell, scenario, records: new Map() };
      cells.set(key, data);
    }
    data.records.set(record.build, record);
  }
  return [...cells.values()].flatMap((data) => {
    // A backend the builder refused leaves nothing to judge; every claim says why.
    const refused = [...data.records.values()].find((r) => r.outcome === "unsupported");
    if (refused) {
      const why = `the builder refused the ${data.cell.backend} cache backend: ${firstLine(refused.errorText)}`;
      return (["a", "b", "c", "d"] as Claim[]).map((claim) =>
        verdict(data, claim, "not-applicable", why, [{ build: refused.build, fact: why }]),
      );
    }
    return [claimA(data), claimB(data), claimC(data), claimD(data)];
  });
}
