import type { BuildRecord, Cell, Verdict, VertexOutcome } from "../experiment/types.ts";
import type { RunData } from "./load.ts";

/**
 * What happened to one Dockerfile instruction's layer in one build, read from its vertices:
 * - `reused`: every vertex of the instruction was cached;
 * - `merge-only`: the file copy of a `COPY --link` was cached and only its `LINK` merge ran;
 * - `rebuilt`: the copy (or the whole instruction) ran;
 * - `failed`: a vertex of the instruction ended in an error.
 */
export type LayerOutcome = "reused" | "merge-only" | "rebuilt" | "failed";

export const layerOutcomes: readonly LayerOutcome[] = ["reused", "merge-only", "rebuilt", "failed"];

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
    outcome: classify(vertices),
    vertices,
  }));
}

function classify(vertices: VertexOutcome[]): LayerOutcome {
  if (vertices.some((v) => v.error)) return "failed";
  const work = vertices.filter((v) => v.role !== "link-merge");
  const merges = vertices.filter((v) => v.role === "link-merge");
  if (!work.every((v) => v.cached)) return "rebuilt";
  return merges.every((v) => v.cached) ? "reused" : "merge-only";
}

/** `[3/3] COPY --link bar.txt /` from a vertex's parsed step and instruction. */
export function instructionLabel(vertex: VertexOutcome): string {
  if (vertex.step && vertex.instruction) return `${vertex.step} ${vertex.instruction}`;
  return vertex.name.replace(/^(\[[^\]]+\]\s+)LINK\s+/, "$1");
}

/** A stable key and a human label for a cell of the matrix. */
export function cellKey(cell: Cell): string {
  return [cell.scenario, cell.variant, cell.backend, cell.builder].join("/");
}

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
