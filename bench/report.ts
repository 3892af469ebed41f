/**
 * How long rendering a run's report takes and how large the page is. Renders the largest run
 * folder under output/ (by builds), or the test fixture when there is none, from a temporary
 * copy so the run's own files are left alone. Aim: under 2 s and under 2 MB for a full run.
 *
 *   npm run bench -- report
 *   node bench/run.ts report output/<run-id>     # a chosen run
 */
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Effects, formatBytes, formatDuration, silentEffects } from "../lib/core/effects.ts";
import { renderRun } from "../lib/report/report.ts";

const output = fileURLToPath(new URL("../output/", import.meta.url));
const fixtures = fileURLToPath(new URL("../fixtures/runs/", import.meta.url));
const ROUNDS = 5;

export async function run(effects: Effects): Promise<void> {
  const chosen = process.argv.slice(2).find((arg) => arg.includes("/"));
  const source = chosen ?? (await largestRun(output)) ?? (await largestRun(fixtures));
  if (!source) {
    effects.log("bench report: no run folder in output/ or fixtures/runs/, nothing to render");
    return;
  }
  const builds = await countBuilds(source);
  const temp = await mkdtemp(path.join(os.tmpdir(), "bench-report-"));
  try {
    const runDir = path.join(temp, path.basename(source));
    await cp(source, runDir, { recursive: true });

    // The first round pays for loading modules and the chart document; report it apart.
    const times: number[] = [];
    let size = 0;
    let findings = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      const began = performance.now();
      const out = await renderRun(runDir, silentEffects());
      const ms = performance.now() - began;
      if (round === 0) effects.log(`bench report: first render ${formatDuration(ms)} (cold)`);
      else times.push(ms);
      size = Buffer.byteLength(out.html);
      findings = out.findings.length;
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    effects.log(
      `bench report ${path.basename(source)} (${builds} builds): median ${formatDuration(median)} ` +
        `over ${ROUNDS} renders, page ${formatBytes(size)}, findings ${findings} characters` +
        `${median > 2000 || size > 2_000_000 ? " — over the 2 s / 2 MB aim" : ""}`,
    );
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** The run folder with the most builds in a folder of runs. */
async function largestRun(dir: string): Promise<string | undefined> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  let best: { dir: string; builds: number } | undefined;
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const builds = await countBuilds(path.join(dir, entry.name));
    if (builds > (best?.builds ?? 0)) best = { dir: path.join(dir, entry.name), builds };
  }
  return best?.dir;
}

async function countBuilds(dir: string): Promise<number> {
  const text = await readFile(path.join(dir, "results.json"), "utf8").catch(() => "");
  try {
    return (JSON.parse(text) as { builds?: unknown[] }).builds?.length ?? 0;
  } catch {
    return 0;
  }
}
