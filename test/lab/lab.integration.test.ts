/**
 * The lab for real: four builders and a registry from Debian's packages, a `COPY --link` build
 * pushed from each builder, the push found in the registry's access log, and nothing left running.
 * It runs its own lab instance (own run folder) beside any lab the user has up, sharing only the
 * downloaded packages. It never skips: where the lab cannot run, it fails and says why.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildxArgs, runDocker } from "../../lib/builders/builder.ts";
import { silentEffects } from "../../lib/core/effects.ts";
import { pruneBuilder } from "../../lib/experiment/build.ts";
import { type LabState, labBuilders, labDown, labIdentities, labUp } from "../../lib/lab/lab.ts";
import { labDir, labPaths } from "../../lib/lab/paths.ts";
import { commandLine, isAlive } from "../../lib/lab/process.ts";
import { accessLogSize } from "../../lib/registry/access-log.ts";
import { awaitPushEvidence } from "../../lib/registry/push.ts";

const runDir = await mkdtemp(path.join(os.tmpdir(), "bkmt-lab-"));
const paths = labPaths(labDir(), runDir);
const effects = silentEffects();
let state: LabState;

before(async () => {
  state = await labUp(effects, {}, paths);
});

after(async () => {
  await labDown(effects, paths);
  await rm(runDir, { recursive: true, force: true });
});

test("up starts four builders and a registry, and a second up reuses them", async () => {
  assert.deepEqual(state.skipped, [], "every generation should run on Debian 12");
  assert.deepEqual(state.engines.map((e) => e.name).sort(), [
    "sid-containerd",
    "sid-graphdriver",
    "trixie-containerd",
    "trixie-graphdriver",
  ]);
  assert.ok(state.registry, "the registry is recorded");
  const again = await labUp(effects, {}, paths);
  assert.deepEqual(
    again.engines.map((e) => e.dockerd.pid).sort(),
    state.engines.map((e) => e.dockerd.pid).sort(),
    "the second up starts no new dockerd",
  );
  assert.equal(again.registry?.pid, state.registry.pid);
});

test("each builder identifies itself, and MergeOp follows the image store", async () => {
  const { identities } = await labIdentities(effects, paths);
  assert.equal(identities.length, 4);
  for (const identity of identities) {
    const engine = state.engines.find((e) => e.name === identity.name)!;
    assert.equal(identity.driver, "docker");
    assert.equal(identity.workerMode, engine.mode, `${identity.name} reports its image store`);
    assert.match(identity.engineVersion ?? "", engine.generation === "sid" ? /^28\./ : /^26\./);
    assert.match(identity.buildxVersion ?? "", engine.generation === "sid" ? /^0\.29/ : /^0\.13/);
    assert.ok(identity.packages?.["docker.io"], "package versions are recorded");
    assert.equal(typeof identity.mergeOp, "boolean", `${identity.name} was probed`);
  }
  // BuildKit enables MergeOp with the containerd image store and disables it on graphdrivers.
  const merge = Object.fromEntries(identities.map((i) => [i.name, i.mergeOp]));
  assert.equal(merge["sid-containerd"], true);
  assert.equal(merge["trixie-containerd"], true);
  assert.equal(merge["sid-graphdriver"], false);
  assert.equal(merge["trixie-graphdriver"], false);
});

test("every builder builds COPY --link and pushes to the lab registry", async () => {
  const registry = state.registry!;
  const context = await mkdtemp(path.join(os.tmpdir(), "bkmt-ctx-"));
  try {
    await writeFile(path.join(context, "Dockerfile"), "FROM scratch\nCOPY --link foo.txt /\n");
    for (const builder of labBuilders(state)) {
      await writeFile(path.join(context, "foo.txt"), `foo from ${builder.name} ${Date.now()}\n`);
      const repository = `labtest/${builder.name}`;
      const offset = await accessLogSize(registry.accessLog);
      const result = await runDocker(
        builder,
        buildxArgs(
          builder,
          "build",
          "--progress=rawjson",
          "--output",
          `type=image,name=${registry.address}/${repository}:1,push=true`,
          context,
        ),
        { reject: false },
      );
      assert.equal(result.exitCode, 0, `${builder.name} build failed:\n${result.stderr}`);
      assert.match(String(result.stderr), /COPY --link foo\.txt/);
      const push = await awaitPushEvidence({
        accessLog: registry.accessLog,
        fromOffset: offset,
        repository,
        tag: "1",
      });
      assert.ok(push.uploaded.length >= 1, `${builder.name} uploaded its new layer`);
      assert.ok(push.requests.some((r) => r.method === "PUT" && r.path.includes("/manifests/1")));
    }
  } finally {
    await rm(context, { recursive: true, force: true });
  }
});

test("a prune over the engine API empties the build cache and, if asked, the image store", async () => {
  const context = await mkdtemp(path.join(os.tmpdir(), "bkmt-prune-"));
  try {
    await writeFile(path.join(context, "Dockerfile"), "FROM scratch\nCOPY --link foo.txt /\n");
    for (const builder of labBuilders(state)) {
      await writeFile(path.join(context, "foo.txt"), `prune ${builder.name} ${Date.now()}\n`);
      const build = await runDocker(
        builder,
        buildxArgs(builder, "build", "-t", "keep:1", context),
        {
          reject: false,
        },
      );
      assert.equal(build.exitCode, 0, String(build.stderr));
      const records = async () =>
        String((await runDocker(builder, buildxArgs(builder, "du"))).stdout)
          .split("\n")
          .filter((line) => /^\S+\*?\s+(true|false)\s/.test(line));
      const images = async () =>
        String((await runDocker(builder, ["image", "ls", "-q"])).stdout).trim();
      assert.ok((await records()).length > 0, `${builder.name} has build cache to prune`);

      await pruneBuilder(builder, false);
      assert.deepEqual(await records(), [], `${builder.name}: no build cache record is left`);
      assert.notEqual(await images(), "", `${builder.name}: images stay without the images flag`);
      await pruneBuilder(builder, true);
      assert.equal(await images(), "", `${builder.name}: no image is left`);
    }
  } finally {
    await rm(context, { recursive: true, force: true });
  }
});

test("down stops every process the lab started and nothing else", async () => {
  const recorded = [
    ...state.engines.flatMap((e) => [e.containerd, e.dockerd]),
    { pid: state.registry!.pid, binary: "" },
  ];
  await labDown(effects, paths);
  for (const daemon of recorded) {
    assert.equal(commandLine(daemon.pid).includes(runDir), false, `pid ${daemon.pid} still runs`);
  }
  for (const engine of state.engines) assert.equal(isAlive(engine.dockerd), false);
  const strays = (await readFile("/proc/self/mountinfo", "utf8"))
    .split("\n")
    .filter((line) => line.includes(runDir));
  assert.deepEqual(strays, [], "no mount is left below the lab's run folder");
  assert.equal(existsSync(paths.state), false, "the state file is gone");
});
