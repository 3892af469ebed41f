import { cellKey } from "../experiment/naming.ts";
import type { BuildRecord, Cell, Evidence, Verdict, VertexOutcome } from "../experiment/types.ts";
import { type StepOutcome, stepOutcome } from "../experiment/verdicts.ts";
import type { RunData } from "./load.ts";

export { cellKey };

/**
 * What happened to one Dockerfile instruction's layer in one build: the experiment's step outcome
 * (reused, merge-only, matched-then-rebuilt, rebuilt, missing), or `failed` when a vertex of the
 * step ended in an error.
 */
export type LayerOutcome = Exclude<StepOutcome, "missing"> | "failed";

export const layerOutcomes: readonly LayerOutcome[] = [
  "reused",
  "merge-only",
  "matched-then-rebuilt",
  "rebuilt",
  "failed",
];

export interface InstructionOutcome {
  /** `[3/3] COPY --link bar.txt /`, or the vertex name when it names no instruction. */
  label: string;
  outcome: LayerOutcome;
  vertices: VertexOutcome[];
}

/** The build's Dockerfile steps (vertices with a `[n/m]` step, FROM excluded), one per layer. */
export function instructionOutcomes(build: BuildRecord): InstructionOutcome[] {
  const groups = new Map<string, VertexOutcome[]>();
  for (const vertex of build.vertices) {
    if (!vertex.step || /^FROM\b/i.test(vertex.instruction ?? "")) continue;
    const key = vertex.groupId ?? vertex.digest;
    groups.set(key, [...(groups.get(key) ?? []), vertex]);
  }
  return [...groups.values()].map((vertices) => ({
    label: instructionLabel(vertices[0]),
    outcome: classify(build, vertices),
    vertices,
  }));
}

function classify(build: BuildRecord, vertices: VertexOutcome[]): LayerOutcome {
  if (vertices.some((v) => v.error)) return "failed";
  const outcome = vertices[0].instruction ? stepOutcome(build, vertices[0].instruction) : "missing";
  // A step without a copy vertex (only its merge was seen) still ran.
  return outcome === "missing" ? "rebuilt" : outcome;
}

/** `[3/3] COPY --link bar.txt /` from a vertex's parsed step and instruction. */
export function instructionLabel(vertex: VertexOutcome): string {
  if (vertex.step && vertex.instruction) return `${vertex.step} ${vertex.instruction}`;
  return vertex.name.replace(/^(\[[^\]]+\]\s+)LINK\s+/, "$1");
}

/** A cell as readers see it: `sid-containerd · inline · COPY --link`. */
export function cellLabel(cell: Cell, options: { scenario?: boolean } = {}): string {
  const parts = [cell.builder, cell.backend, cell.variant === "link" ? "COPY --link" : "COPY"];
  return (options.scenario ? [cell.scenario, ...parts] : parts).join(" · ");
}

export function sameCell(a: Cell, b: Cell): boolean {
  return cellKey(a) === cellKey(b);
}

/** The build a verdict's evidence names, within the verdict's cell. */
export function findBuild(data: RunData, cell: Cell, build: string): BuildRecord | undefined {
  return data.results.builds.find((b) => b.build === build && sameCell(b.cell, cell));
}

/**
 * The layer outcome that a verdict's evidence points at, when its evidence names vertices of one
 * instruction; undefined for verdicts about other things, such as pushes.
 */
export function verdictLayerOutcome(data: RunData, verdict: Verdict): LayerOutcome | undefined {
  const found = new Set<LayerOutcome>();
  for (const evidence of verdict.evidence) {
    if (!evidence.vertex && !evidence.digests?.length) continue;
    const build = findBuild(data, verdict.cell, evidence.build);
    if (!build) continue;
    for (const instruction of instructionOutcomes(build)) {
      const hit = instruction.vertices.some(
        (v) =>
          v.name === evidence.vertex ||
          v.digest === evidence.vertex ||
          evidence.digests?.includes(v.digest),
      );
      if (hit) found.add(instruction.outcome);
    }
  }
  return found.size === 1 ? [...found][0] : undefined;
}

/** One evidence item as a sentence that names its build once. */
export function evidenceText(evidence: Evidence): string {
  return evidence.fact.startsWith(`${evidence.build}:`)
    ? evidence.fact
    : `${evidence.build}: ${evidence.fact}`;
}
