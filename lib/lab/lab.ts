import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import type { Builder } from "../builders/builder.ts";
import { identifyBuilder } from "../builders/identity.ts";
import type { Effects } from "../core/effects.ts";
import { UserError } from "../core/errors.ts";
import { writeJsonAtomic } from "../core/files.ts";
import type { BuilderIdentity } from "../experiment/types.ts";
import {
  clientEnv,
  type EngineState,
  engineAlive,
  startEngine,
  stopEngine,
  WORKER_MODES,
} from "./engines.ts";
import {
  GENERATIONS,
  type GenerationPackages,
  type PackageFile,
  preparePackages,
} from "./packages.ts";
import { type LabPaths, labPaths } from "./paths.ts";
import { processesUnder, stopDaemon } from "./process.ts";
import { type RegistryState, runningRegistry, startRegistry, stopRegistry } from "./registry.ts";

/** What `up` started, kept in `run/lab.json` so that `status` and `down` find it. */
export interface LabState {
  startedAt: string;
  engines: EngineState[];
  registry?: RegistryState;
  /** Generations that cannot run on this host, with the reason. */
  skipped: { generation: string; reason: string }[];
  /** Debian packages per generation, with versions. */
  packages: Record<string, PackageFile[]>;
  /** Identities found by `status`, by builder name, valid while the same dockerd pid runs. */
  identities?: Record<string, BuilderIdentity & { dockerdPid: number }>;
}

/**
 * Says in one line why the lab cannot run here, or nothing when it can. The lab needs Linux, root
 * (dockerd and containerd mount file systems) and Debian's apt and dpkg.
 */
export async function labUnavailable(): Promise<string | undefined> {
  if (process.platform !== "linux")
    return `the lab runs on Linux only, this is ${process.platform}`;
  if (process.getuid?.() !== 0)
    return "the lab needs root (dockerd and containerd mount file systems)";
  for (const tool of ["apt-get", "dpkg", "dpkg-deb"]) {
    const found = await execa("sh", ["-c", `command -v ${tool}`], { reject: false });
    if (found.exitCode !== 0) return `the lab needs Debian's ${tool}, which this system lacks`;
  }
  return undefined;
}

const OWN_BUILDERS_HINT =
  "use your own builders instead: --builders NAME[,NAME] --registry HOST:PORT (see README)";

export async function readLabState(paths: LabPaths = labPaths()): Promise<LabState | undefined> {
  if (!existsSync(paths.state)) return undefined;
  return JSON.parse(await readFile(paths.state, "utf8")) as LabState;
}

async function saveLabState(paths: LabPaths, state: LabState) {
  await writeJsonAtomic(paths.state, state);
}

/** The binaries the lab downloads, without starting anything: for tools that need only these. */
export async function labTools(effects: Effects, paths: LabPaths = labPaths()) {
  const reason = await labUnavailable();
  if (reason) throw new UserError(reason, { hint: OWN_BUILDERS_HINT });
  const prepared = await preparePackages(paths, effects);
  return {
    registry: path.join(prepared.common.root, "usr", "bin", "docker-registry"),
    runc: path.join(prepared.common.root, "usr", "sbin", "runc"),
    busybox: path.join(prepared.common.root, "bin", "busybox"),
    generations: prepared.generations,
  };
}

/** Options of `up`: which generations and worker modes to start (all by default). */
export interface UpOptions {
  generations?: string[];
  modes?: string[];
}

/** Names of the lab's builders: `<generation>-<worker mode>`. */
export function labBuilderNames(options: UpOptions = {}): string[] {
  const generations = options.generations ?? GENERATIONS.map((g) => g.name);
  const modes = options.modes ?? WORKER_MODES;
  return generations.flatMap((g) => modes.map((m) => `${g}-${m}`));
}

/**
 * Brings the lab up: downloads and unpacks the engines if needed, starts every builder and the
 * registry that is not already running, and records it all in the state file as it goes. If the
 * user interrupts, or a daemon fails to start, what this call started is stopped again.
 */
export async function labUp(
  effects: Effects,
  options: UpOptions = {},
  paths: LabPaths = labPaths(),
): Promise<LabState> {
  const reason = await labUnavailable();
  if (reason) throw new UserError(reason, { hint: OWN_BUILDERS_HINT });
  const unknown = (options.generations ?? []).filter((g) => !GENERATIONS.some((x) => x.name === g));
  if (unknown.length > 0) {
    throw new UserError(
      `expected an engine generation (${GENERATIONS.map((g) => g.name).join(", ")}), got "${unknown.join(", ")}"`,
    );
  }
  const badModes = (options.modes ?? []).filter((m) => !(WORKER_MODES as string[]).includes(m));
  if (badModes.length > 0) {
    throw new UserError(
      `expected a worker mode (${WORKER_MODES.join(", ")}), got "${badModes.join(", ")}"`,
    );
  }

  const wanted = GENERATIONS.filter(
    (g) => !options.generations || options.generations.includes(g.name),
  );
  const prepared = await preparePackages(paths, effects, wanted);
  const previous = await readLabState(paths);
  const state: LabState = {
    startedAt: previous?.startedAt ?? new Date(effects.now()).toISOString(),
    engines: [],
    registry: previous?.registry,
    skipped: [],
    packages: Object.fromEntries(
      [prepared.common, ...prepared.generations].map((g) => [g.generation, g.packages]),
    ),
    identities: previous?.identities,
  };
  // Builders from an earlier `up` that are not asked for now keep running and stay recorded.
  const keep = (previous?.engines ?? []).filter((e) => engineAlive(e));
  const startedNow: EngineState[] = [];
  let registryStartedNow: RegistryState | undefined;

  try {
    // The registry first: its address goes into every report, and engines trust all of loopback.
    const reusable = state.registry && (await runningRegistry(state.registry));
    if (reusable) {
      state.registry = reusable;
      effects.log(`reuse registry ${state.registry.address} (pid ${state.registry.pid})`);
    } else {
      state.registry = await startRegistry(
        path.join(prepared.common.root, "usr", "bin", "docker-registry"),
        path.join(paths.run, "registry"),
        effects,
      );
      registryStartedNow = state.registry;
      await saveLabState(paths, { ...state, engines: keep });
    }

    // Then every builder of every generation that can run here, in parallel.
    const jobs: Promise<void>[] = [];
    for (const generation of prepared.generations) {
      if (generation.skipped) {
        state.skipped.push({ generation: generation.generation, reason: generation.skipped });
        continue;
      }
      for (const mode of options.modes ?? WORKER_MODES) {
        jobs.push(startOrReuse(generation, mode as EngineState["mode"]));
      }
    }
    const outcomes = await Promise.allSettled(jobs);
    const failure = outcomes.find((o) => o.status === "rejected");
    if (failure) throw (failure as PromiseRejectedResult).reason;
    const names = new Set(state.engines.map((e) => e.name));
    state.engines.push(...keep.filter((e) => !names.has(e.name)));
    await saveLabState(paths, state);
    return state;
  } catch (error) {
    for (const engine of startedNow) await stopEngine(engine, effects);
    if (registryStartedNow) await stopRegistry(registryStartedNow, effects);
    await saveLabState(paths, {
      ...state,
      engines: keep,
      registry: registryStartedNow ? undefined : state.registry,
    });
    throw error;
  }

  async function startOrReuse(generation: GenerationPackages, mode: EngineState["mode"]) {
    const name = `${generation.generation}-${mode}`;
    const running = keep.find((e) => e.name === name);
    if (running) {
      effects.log(`reuse ${name} (dockerd pid ${running.dockerd.pid})`);
      state.engines.push(running);
      return;
    }
    const engine = await startEngine(
      {
        name,
        generation: generation.generation,
        mode,
        root: generation.root,
        commonRoot: prepared.common.root,
        dir: path.join(paths.run, name),
      },
      effects,
    );
    startedNow.push(engine);
    state.engines.push(engine);
    await saveLabState(paths, {
      ...state,
      engines: [...state.engines, ...keep.filter((k) => k.name !== name)],
    });
  }
}

/** Package versions of one generation plus the shared ones, `name → version`. */
function packageVersions(state: LabState, generation: string): Record<string, string> {
  const list = [...(state.packages.common ?? []), ...(state.packages[generation] ?? [])];
  return Object.fromEntries(list.map((p) => [p.package, `${p.version} (${p.suite})`]));
}

/** The lab's running builders as `Builder`s the runner can use. */
export function labBuilders(state: LabState): Builder[] {
  return state.engines.filter(engineAlive).map((engine) => ({
    name: engine.name,
    source: "lab" as const,
    docker: engine.docker,
    env: clientEnv(engine),
    packages: packageVersions(state, engine.generation),
  }));
}

/** Identities of the running builders, probing each once per dockerd process. */
export async function labIdentities(
  effects: Effects,
  paths: LabPaths = labPaths(),
): Promise<{ state: LabState; identities: BuilderIdentity[] }> {
  const state = await readLabState(paths);
  if (!state)
    throw new UserError("the lab is not up", { hint: "run `npx zx notebooks/lab.ts up`" });
  const identities: BuilderIdentity[] = [];
  state.identities ??= {};
  for (const builder of labBuilders(state)) {
    const engine = state.engines.find((e) => e.name === builder.name)!;
    const known = state.identities[builder.name];
    if (known && known.dockerdPid === engine.dockerd.pid) {
      const { dockerdPid: _, ...identity } = known;
      identities.push(identity);
      continue;
    }
    const began = effects.now();
    const identity = await identifyBuilder(builder, { signal: effects.signal });
    state.identities[builder.name] = { ...identity, dockerdPid: engine.dockerd.pid };
    identities.push(identity);
    effects.log(`identify ${builder.name} → ok in ${((effects.now() - began) / 1000).toFixed(1)}s`);
  }
  await saveLabState(paths, state);
  return { state, identities };
}

/**
 * Stops exactly what the lab started, by pid: every builder's dockerd then containerd, the
 * registry, then any process still running a binary from the lab's folders for this lab (containerd's
 * shims), and unmounts what the engines left mounted below the lab's run folder.
 */
export async function labDown(effects: Effects, paths: LabPaths = labPaths()): Promise<number> {
  const state = await readLabState(paths);
  const stopped = state
    ? await labStop(effects, { engines: state.engines.map((e) => e.name), registry: true }, paths)
    : 0;
  for (const leftover of processesUnder([paths.roots], paths.run)) {
    await stopDaemon({ pid: leftover.pid, binary: leftover.exe }, 5_000);
    effects.log(`stop leftover ${path.basename(leftover.exe)} (pid ${leftover.pid}) → ok`);
  }
  await unmountBelow(paths.run);
  await rm(paths.state, { force: true });
  return stopped;
}

/**
 * Stops some of the lab's builders (and the registry, if asked) and keeps the rest recorded: what
 * an experiment does with the daemons it started itself.
 */
export async function labStop(
  effects: Effects,
  what: { engines: string[]; registry: boolean },
  paths: LabPaths = labPaths(),
): Promise<number> {
  const state = await readLabState(paths);
  if (!state) return 0;
  const chosen = state.engines.filter((e) => what.engines.includes(e.name));
  await Promise.all(chosen.map((engine) => stopEngine(engine, effects)));
  for (const engine of chosen) {
    const shims = processesUnder([paths.roots], engine.dir);
    for (const shim of shims) await stopDaemon({ pid: shim.pid, binary: shim.exe }, 5_000);
    await unmountBelow(engine.dir);
  }
  let stopped = chosen.length;
  if (what.registry && state.registry) {
    await stopRegistry(state.registry, effects);
    stopped++;
  }
  state.engines = state.engines.filter((e) => !what.engines.includes(e.name));
  if (what.registry) state.registry = undefined;
  await saveLabState(paths, state);
  return stopped;
}

/** Lazily unmounts every mount point below a folder, deepest first. */
async function unmountBelow(folder: string) {
  if (os.platform() !== "linux" || !existsSync("/proc/self/mountinfo")) return;
  const mountinfo = await readFile("/proc/self/mountinfo", "utf8");
  const points = mountinfo
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((point): point is string => Boolean(point) && point.startsWith(`${folder}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) await execa("umount", ["-l", point], { reject: false });
}
