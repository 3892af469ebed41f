import type { BuilderIdentity } from "../experiment/types.ts";
import type { LabState } from "./lab.ts";

/** The `status` table: one block per builder, then the registry. */
export function formatStatus(state: LabState, identities: BuilderIdentity[]): string {
  const out: string[] = [];
  for (const identity of identities) {
    const engine = state.engines.find((e) => e.name === identity.name);
    const labels = identity.workerLabels;
    out.push(
      identity.name,
      `  engine     ${identity.engineVersion ?? "unknown"} (${identity.driver} driver, ${identity.workerMode})`,
      `  buildx     ${identity.buildxVersion ?? "unknown"}`,
      `  buildkit   ${identity.buildkitVersion ?? "not reported (Debian build)"}`,
      `  worker     snapshotter=${labels["org.mobyproject.buildkit.worker.snapshotter"] ?? "-"} ` +
        `executor=${labels["org.mobyproject.buildkit.worker.executor"] ?? "-"}`,
      `  mergeop    ${identity.mergeOp === true ? "yes" : identity.mergeOp === false ? "no" : "unknown"}`,
      `  socket     ${engine?.socket ?? identity.endpoint}`,
      "",
    );
  }
  for (const skipped of state.skipped)
    out.push(`${skipped.generation}: skipped, ${skipped.reason}`, "");
  out.push(`registry     ${state.registry?.address ?? "not running"}`);
  return `${out.join("\n")}\n`;
}
