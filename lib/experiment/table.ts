import type { Claim, Verdict } from "./types.ts";
import { CLAIMS } from "./verdicts.ts";

const MARK: Record<Verdict["result"], string> = {
  holds: "yes",
  "does-not-hold": "NO",
  "not-applicable": "-",
};

/**
 * The verdict table printed at the end of a run: one block per scenario, one row per builder,
 * backend and variant, one column per claim (`yes`, `NO`, `-` for not applicable).
 */
export function verdictTable(verdicts: Verdict[]): string {
  const claims = Object.keys(CLAIMS) as Claim[];
  const out: string[] = [];
  const scenarios = [...new Set(verdicts.map((v) => v.cell.scenario))];
  for (const scenario of scenarios) {
    const rows = new Map<string, Map<Claim, Verdict>>();
    for (const v of verdicts.filter((x) => x.cell.scenario === scenario)) {
      const key = [v.cell.builder, v.cell.backend, v.cell.variant].join("\t");
      if (!rows.has(key)) rows.set(key, new Map());
      rows.get(key)!.set(v.claim, v);
    }
    out.push(`scenario ${scenario}`);
    out.push(
      `  ${"builder".padEnd(20)} ${"backend".padEnd(13)} ${"variant".padEnd(7)} ` +
        claims.map((c) => c.padEnd(4)).join(""),
    );
    for (const [key, byClaim] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
      const [builder, backend, variant] = key.split("\t");
      const marks = claims.map((c) => MARK[byClaim.get(c)?.result ?? "not-applicable"].padEnd(4));
      out.push(
        `  ${builder.padEnd(20)} ${backend.padEnd(13)} ${variant.padEnd(7)} ${marks.join("")}`,
      );
    }
    out.push("");
  }
  out.push(...claims.map((c) => `${c}: ${CLAIMS[c]}`));
  return `${out.join("\n")}\n`;
}
