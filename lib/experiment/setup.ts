import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Builder } from "../builders/builder.ts";
import { identifyBuilder } from "../builders/identity.ts";
import type { Effects } from "../core/effects.ts";
import { UserError } from "../core/errors.ts";
import {
  labBuilderNames,
  labBuilders,
  labIdentities,
  labStop,
  labTools,
  labUnavailable,
  labUp,
  readLabState,
} from "../lab/lab.ts";
import type { ExperimentOptions } from "./options.ts";
import type { BuilderIdentity } from "./types.ts";

/** The builders of a run and how to let go of them afterwards. */
export interface Setup {
  builders: Builder[];
  identities: BuilderIdentity[];
  registry: string;
  accessLog?: string;
  busybox: string;
  /** Stops what this run started (nothing, for your own builders). */
  release(): Promise<void>;
}

/**
 * Finds the builders to run on: the user's, by name, or the lab's, brought up if needed. Only the
 * lab daemons this call starts are stopped again by `release`, and not with `--keep-lab`.
 */
export async function setUpBuilders(options: ExperimentOptions, effects: Effects): Promise<Setup> {
  if (options.builders) return userBuilders(options, effects);

  const reason = await labUnavailable();
  if (reason) {
    throw new UserError(reason, {
      hint: "run on your own builders: --builders NAME[,NAME] --registry HOST:PORT (see README)",
    });
  }
  const known = labBuilderNames();
  const wanted = options.labBuilders ?? known;
  const unknown = wanted.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new UserError(
      `expected lab builder names from ${known.join(", ")}, got "${unknown.join(", ")}"`,
    );
  }

  // Note what already runs, so that only what this run starts is stopped at its end.
  const before = await readLabState();
  const running = new Set(before ? labBuilders(before).map((b) => b.name) : []);
  const registryRunning = Boolean(before?.registry);
  const state = await labUp(effects, {
    generations: [...new Set(wanted.map((n) => n.split("-")[0]))],
    modes: [...new Set(wanted.map((n) => n.split("-").slice(1).join("-")))],
  });
  const startedHere = state.engines.map((e) => e.name).filter((n) => !running.has(n));
  const release = async () => {
    if (options.keepLab) return;
    await labStop(effects, { engines: startedHere, registry: !registryRunning });
  };

  try {
    const { identities } = await labIdentities(effects);
    const tools = await labTools(effects);
    const builders = labBuilders(state).filter((b) => wanted.includes(b.name));
    return {
      builders,
      identities: identities.filter((i) => wanted.includes(i.name)),
      registry: state.registry!.address,
      accessLog: options.accessLog ?? state.registry!.accessLog,
      busybox: options.busybox ?? tools.busybox,
      release,
    };
  } catch (error) {
    await release();
    throw error;
  }
}

async function userBuilders(options: ExperimentOptions, effects: Effects): Promise<Setup> {
  const builders: Builder[] = options.builders!.map((name) => ({
    name,
    source: "user",
    docker: "docker",
    env: {},
    buildxBuilder: name,
  }));
  const identities: BuilderIdentity[] = [];
  for (const builder of builders) {
    identities.push(await identifyBuilder(builder, { signal: effects.signal }));
    effects.log(`identify ${builder.name} → ok`);
  }
  return {
    builders,
    identities,
    registry: options.registry!,
    accessLog: options.accessLog,
    busybox: options.busybox ?? (await findBusybox(effects)),
    release: async () => {},
  };
}

/** busybox for the base images: the lab's download where apt works, else the host's. */
async function findBusybox(effects: Effects): Promise<string> {
  if (!(await labUnavailable())) return (await labTools(effects)).busybox;
  for (const candidate of ["/bin/busybox", "/usr/bin/busybox"]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new UserError("expected a static busybox binary for the base images, found none", {
    hint: "pass --busybox FILE (a statically linked busybox)",
  });
}

/** Versions of the tools this run used, for the report's provenance. */
export function toolVersions(root: string): Record<string, string> {
  const versions: Record<string, string> = {};
  const deno = (globalThis as { Deno?: { version: { deno: string } } }).Deno;
  versions.runtime = deno ? `deno ${deno.version.deno}` : `node ${process.version}`;
  for (const name of ["zx", "execa", "@observablehq/plot", "jsdom", "marked"]) {
    const file = path.join(root, "node_modules", name, "package.json");
    if (existsSync(file)) versions[name] = JSON.parse(readFileSync(file, "utf8")).version;
  }
  return versions;
}
