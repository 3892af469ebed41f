/**
 * The matrix runner against a plain shell loop doing the same builds one after another on the
 * same builders, side by side in one run. The loop is written from the runner's own record of what
 * it built (prunes included), so both do the same builds; the ratio is runner ÷ loop wall time.
 * Aim: ≤ 0.6.
 *
 *   npm run bench -- experiment            # the full matrix on the four lab builders
 *   BENCH_MATRIX=small npm run bench -- experiment   # two scenarios, two backends
 *   BENCH_CONCURRENCY=2 npm run bench -- experiment  # at most two builders at once
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type Effects, formatDuration, silentEffects } from "../lib/core/effects.ts";
import { pushBaseImages } from "../lib/experiment/base-images.ts";
import { buildCommand } from "../lib/experiment/build.ts";
import { baseRef, newRunId, type RunNames } from "../lib/experiment/naming.ts";
import { BACKENDS, runExperiment, VARIANTS } from "../lib/experiment/runner.ts";
import type { BuildRecord } from "../lib/experiment/types.ts";
import { labBuilders, labDown, labIdentities, labTools, labUp } from "../lib/lab/lab.ts";
import { labDir, labPaths } from "../lib/lab/paths.ts";
import { renderDockerfile } from "../lib/scenarios/dockerfiles.ts";
import { SCENARIOS, scenario } from "../lib/scenarios/scenarios.ts";

export async function run(effects: Effects): Promise<void> {
  const small = process.env.BENCH_MATRIX === "small";
  const root = await mkdtemp(path.join(os.tmpdir(), "bench-experiment-"));
  const paths = labPaths(labDir(), path.join(root, "lab"));
  const quiet = silentEffects({ signal: effects.signal });
  try {
    const state = await labUp(quiet, {}, paths);
    const { identities } = await labIdentities(quiet, paths);
    const tools = await labTools(quiet, paths);
    const builders = labBuilders(state);
    const scenarios = small ? [scenario("controlled"), scenario("rebase")] : SCENARIOS;
    const backends = small ? (["inline", "local"] as const) : BACKENDS;

    // The runner: builders in parallel, with evidence reading and the run folder.
    const began = performance.now();
    const outcome = await runExperiment({
      builders,
      identities,
      scenarios,
      variants: VARIANTS,
      backends: [...backends],
      registry: state.registry!.address,
      accessLog: state.registry!.accessLog,
      outputDir: path.join(root, "runner"),
      concurrency: Number(process.env.BENCH_CONCURRENCY) || builders.length,
      busybox: tools.busybox,
      departures: [],
      tools: {},
      argv: ["bench"],
      effects: quiet,
      tty: false,
    });
    const runnerMs = performance.now() - began;

    // The loop: the same builds, one after another, from a bash script.
    const names: RunNames = {
      runId: newRunId(new Date(), "loop"),
      registry: state.registry!.address,
    };
    await pushBaseImages({
      builder: builders[0],
      busybox: tools.busybox,
      refs: { a: baseRef(names, "a"), b: baseRef(names, "b") },
      effects: quiet,
    });
    const script = await writeLoop(root, names, outcome.builds, builders);
    const loopBegan = performance.now();
    await bash(script, effects.signal);
    const loopMs = performance.now() - loopBegan;

    effects.log(
      `bench experiment: ${outcome.builds.length} builds on ${builders.length} builders` +
        `${small ? " (small matrix)" : ""}: runner ${formatDuration(runnerMs)}, shell loop ` +
        `${formatDuration(loopMs)}, ratio ${(runnerMs / loopMs).toFixed(2)} (aim ≤ 0.6)`,
    );
  } finally {
    await labDown(quiet, paths);
    await rm(root, { recursive: true, force: true });
  }
}

/** Writes each build's context and a bash script that runs the same commands in the same order. */
async function writeLoop(
  root: string,
  names: RunNames,
  builds: BuildRecord[],
  builders: ReturnType<typeof labBuilders>,
): Promise<string> {
  const runDir = path.join(root, "loop");
  const lines = ["set -u"];
  const ordered = [...builds].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  for (const [index, record] of ordered.entries()) {
    const builder = builders.find((b) => b.name === record.cell.builder)!;
    const spec = SCENARIOS.find((s) => s.id === record.cell.scenario)!.builds.find(
      (b) => b.id === record.build,
    )!;
    const templateId = SCENARIOS.find((s) => s.id === record.cell.scenario)!.dockerfile;
    const context = path.join(root, "contexts", String(index));
    await mkdir(context, { recursive: true });
    await writeFile(
      path.join(context, "Dockerfile"),
      renderDockerfile(templateId, record.cell.variant, baseRef(names, spec.base)),
    );
    for (const [file, content] of Object.entries(spec.files)) {
      await writeFile(path.join(context, file), content);
    }
    const env = Object.entries(builder.env)
      .map(([k, v]) => `${k}=${quote(v)}`)
      .join(" ");
    const docker = `${env} ${quote(builder.docker)}`;
    if (spec.pruneBefore) {
      lines.push(`${docker} buildx prune --all --force >/dev/null 2>&1`);
      if (spec.pruneImages) lines.push(`${docker} image prune --all --force >/dev/null 2>&1`);
    }
    const args = buildCommand(builder, spec, record.cell, { names, runDir }, context);
    lines.push(`${docker} ${args.map(quote).join(" ")} >/dev/null 2>&1`);
  }
  const script = path.join(root, "loop.sh");
  await writeFile(script, `${lines.join("\n")}\n`);
  return script;
}

function quote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

function bash(script: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script], { stdio: "ignore", signal });
    child.once("error", reject);
    child.once("exit", () => resolve());
  });
}
