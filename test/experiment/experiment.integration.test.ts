/**
 * A reduced matrix on the real lab: one builder of each image store, two scenarios, two cache
 * backends, both variants. The verdicts are checked against the per-vertex facts and registry
 * evidence of the same run, derived here again by hand. Then the notebook itself is interrupted
 * with SIGINT mid-run, and must leave a readable partial run folder and no daemon it started.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { silentEffects } from "../../lib/core/effects.ts";
import { type RunOutcome, runExperiment } from "../../lib/experiment/runner.ts";
import type { BuildRecord, Results, RunInfo, Verdict } from "../../lib/experiment/types.ts";
import { labBuilders, labDown, labIdentities, labTools, labUp } from "../../lib/lab/lab.ts";
import { labDir, labPaths } from "../../lib/lab/paths.ts";
import { commandLine } from "../../lib/lab/process.ts";
import { parseTraceFile } from "../../lib/progress/file.ts";
import { scenario } from "../../lib/scenarios/scenarios.ts";

const BUILDERS = ["sid-containerd", "sid-graphdriver"];
const runRoot = await mkdtemp(path.join(os.tmpdir(), "bkmt-exp-"));
const paths = labPaths(labDir(), path.join(runRoot, "lab"));
const effects = silentEffects();
let outcome: RunOutcome;

before(async () => {
  const state = await labUp(effects, { generations: ["sid"] }, paths);
  const { identities } = await labIdentities(effects, paths);
  const tools = await labTools(effects, paths);
  outcome = await runExperiment({
    builders: labBuilders(state).filter((b) => BUILDERS.includes(b.name)),
    identities,
    scenarios: [scenario("controlled"), scenario("rebase")],
    variants: ["link", "plain"],
    backends: ["inline", "registry-min"],
    registry: state.registry!.address,
    accessLog: state.registry!.accessLog,
    outputDir: path.join(runRoot, "output"),
    concurrency: 2,
    busybox: tools.busybox,
    sleepSeconds: 1,
    departures: ["test run"],
    tools: {},
    argv: ["test"],
    effects,
    tty: false,
  });
});

after(async () => {
  await labDown(effects, paths);
  await rm(runRoot, { recursive: true, force: true });
});

function record(
  builder: string,
  scenarioId: string,
  variant: string,
  backend: string,
  build: string,
) {
  return outcome.builds.find(
    (b) =>
      b.cell.builder === builder &&
      b.cell.scenario === scenarioId &&
      b.cell.variant === variant &&
      b.cell.backend === backend &&
      b.build === build,
  );
}

function verdictFor(
  claim: string,
  builder: string,
  scenarioId: string,
  variant: string,
  backend: string,
) {
  return outcome.verdicts.find(
    (v) =>
      v.claim === claim &&
      v.cell.builder === builder &&
      v.cell.scenario === scenarioId &&
      v.cell.variant === variant &&
      v.cell.backend === backend,
  );
}

/** The copy vertex of an instruction, found here independently of the verdict code. */
function copyOf(build: BuildRecord, instruction: string) {
  return build.vertices.find(
    (v) => v.instruction === instruction && (v.role === "link-copy" || v.role === "plain"),
  );
}

test("the run folder is complete and every stream parses", async () => {
  const runDir = outcome.runDir;
  const info = JSON.parse(await readFile(path.join(runDir, "run.json"), "utf8")) as RunInfo;
  assert.equal(info.complete, true);
  assert.deepEqual(info.builders.map((b) => b.name).sort(), BUILDERS);
  const results = JSON.parse(await readFile(path.join(runDir, "results.json"), "utf8")) as Results;
  assert.equal(results.builds.length, outcome.builds.length);
  const verdicts = JSON.parse(await readFile(path.join(runDir, "verdicts.json"), "utf8"));
  assert.equal(verdicts.verdicts.length, outcome.verdicts.length);
  for (const build of results.builds) {
    const trace = await parseTraceFile(path.join(runDir, build.streamFile));
    if (build.outcome === "ok") {
      assert.equal(trace.parseError, undefined, `${build.streamFile} parses`);
      assert.ok(trace.vertices.length > 0, `${build.streamFile} has vertices`);
    } else {
      // A refused or failed build keeps what buildx printed, often text only.
      assert.ok(trace.text.length > 0 || trace.vertices.length > 0, `${build.streamFile} kept`);
      assert.ok(build.errorText, `${build.streamFile} has its error text`);
    }
  }
});

test("MergeOp shows in the vertices exactly where the probe found it", () => {
  for (const builder of BUILDERS) {
    const identity = outcome.info.builders.find((b) => b.name === builder)!;
    const build = record(builder, "controlled", "link", "inline", "A")!;
    const merges = build.vertices.filter((v) => v.role === "link-merge");
    assert.equal(merges.length > 0, identity.mergeOp === true, `${builder}: LINK vertices`);
  }
});

test("a refused cache backend is a recorded outcome with BuildKit's message", () => {
  const refused = outcome.builds.filter((b) => b.outcome === "unsupported");
  for (const build of refused) {
    assert.ok(build.errorText && build.errorText.length > 0, "the refusal keeps its message");
    const verdict = verdictFor(
      "a",
      build.cell.builder,
      build.cell.scenario,
      build.cell.variant,
      build.cell.backend,
    );
    assert.equal(verdict?.result, "not-applicable");
    assert.match(verdict?.summary ?? "", /refused/);
  }
  // Whatever the engine does, the graphdriver's registry cache either worked or was refused.
  const a = record("sid-graphdriver", "controlled", "link", "registry-min", "A")!;
  assert.ok(a.outcome === "ok" || a.outcome === "unsupported", `got ${a.outcome}`);
});

test("claim a agrees with the copy vertices of C and C-control", () => {
  for (const builder of BUILDERS) {
    for (const variant of ["link", "plain"]) {
      for (const backend of ["inline", "registry-min"]) {
        const verdict = verdictFor("a", builder, "controlled", variant, backend)!;
        const c = record(builder, "controlled", variant, backend, "C");
        const control = record(builder, "controlled", variant, backend, "C-control");
        if (!c || !control || c.outcome !== "ok" || control.outcome !== "ok") {
          assert.equal(verdict.result, "not-applicable");
          continue;
        }
        const instruction = variant === "link" ? "COPY --link bar.txt /" : "COPY bar.txt /";
        const reused = [c, control].every((b) => copyOf(b, instruction)?.cached === true);
        assert.equal(
          verdict.result,
          reused ? "holds" : "does-not-hold",
          `${builder} ${variant} ${backend}: ${verdict.summary}`,
        );
        // And the layer below really changed: the first copy ran in C.
        const first = variant === "link" ? "COPY --link foo.txt /" : "COPY foo.txt /";
        assert.equal(copyOf(c, first)?.cached, false, "C's first copy was not cached");
      }
    }
  }
});

test("claim c agrees with the access log: no blob the repository had is uploaded again", () => {
  for (const verdict of outcome.verdicts.filter((v: Verdict) => v.claim === "c")) {
    if (verdict.result === "not-applicable") continue;
    const pushes = outcome.builds.filter(
      (b) =>
        b.push &&
        b.cell.builder === verdict.cell.builder &&
        b.cell.scenario === verdict.cell.scenario &&
        b.cell.variant === verdict.cell.variant &&
        b.cell.backend === verdict.cell.backend,
    );
    const seen = new Set<string>();
    let again = 0;
    for (const build of pushes) {
      again += build.push!.uploaded.filter((d) => seen.has(d)).length;
      for (const d of [...build.push!.uploaded, ...build.push!.present, ...build.push!.mounted])
        seen.add(d);
      // Every layer of the pushed image was either sent or found by this push, or mounted.
      for (const layer of build.image?.layers ?? []) {
        const told = [...build.push!.uploaded, ...build.push!.present, ...build.push!.mounted];
        assert.ok(
          told.includes(layer) || seen.has(layer),
          `${build.build}: layer ${layer} in the log`,
        );
      }
    }
    assert.equal(verdict.result, again === 0 ? "holds" : "does-not-hold");
  }
});

test("claim b agrees with the rebased image's layers, vertices and uploads", () => {
  for (const builder of BUILDERS) {
    for (const variant of ["link", "plain"]) {
      const verdict = verdictFor("b", builder, "rebase", variant, "inline")!;
      const a = record(builder, "rebase", variant, "inline", "A")!;
      const r = record(builder, "rebase", variant, "inline", "R")!;
      assert.notEqual(verdict.result, "not-applicable", verdict.summary);
      const flag = variant === "link" ? " --link" : "";
      const reused = [`COPY${flag} foo.txt /`, `COPY${flag} bar.txt /`].every(
        (instruction) => copyOf(r, instruction)?.cached === true,
      );
      const mine = r.image!.layers.slice(-2);
      const same = JSON.stringify(mine) === JSON.stringify(a.image!.layers.slice(-2));
      const uploaded = mine.some((layer) => r.push!.uploaded.includes(layer));
      assert.equal(
        verdict.result,
        reused && same && !uploaded ? "holds" : "does-not-hold",
        `${builder} ${variant}: ${verdict.summary}`,
      );
    }
  }
});

test("Ctrl-C in the middle leaves a partial run folder and none of the run's daemons", async () => {
  const output = path.join(runRoot, "interrupted");
  const labRun = path.join(runRoot, "lab-sigint");
  const child = spawn(
    process.execPath,
    [
      ...(process.versions.deno ? ["run", "-A"] : []),
      "notebooks/experiment.ts",
      "--lab-builders",
      "sid-containerd",
      "--scenarios",
      "controlled",
      "--backends",
      "inline",
      "--output",
      output,
    ],
    { env: { ...process.env, BUILDKIT_LAB_RUN_DIR: labRun }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  await new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/\b1\/\d+ sid-containerd/.test(stderr)) resolve();
    });
    child.once("exit", () =>
      reject(new Error(`the notebook ended before its first build:\n${stderr}`)),
    );
  });
  // process.kill, not child.kill: Deno reports a child it signalled itself as killed, whatever
  // its exit code, and the exit code is what this test checks.
  process.kill(child.pid!, "SIGINT");
  const code = await exited;
  assert.equal(code, 130, stderr);

  const [runId] = readdirSync(output);
  const info = JSON.parse(readFileSync(path.join(output, runId, "run.json"), "utf8")) as RunInfo;
  assert.equal(info.complete, false, "the run is marked incomplete");
  const results = JSON.parse(
    readFileSync(path.join(output, runId, "results.json"), "utf8"),
  ) as Results;
  assert.ok(results.builds.length >= 1, "the finished builds are kept");
  assert.ok(existsSync(path.join(output, runId, "verdicts.json")));

  const mine = readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => commandLine(Number(p)).includes(labRun));
  assert.deepEqual(mine, [], "no daemon of the interrupted run is left");
});
