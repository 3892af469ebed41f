import path from "node:path";
import type { CacheBackend, Cell } from "./types.ts";

/**
 * Names for everything a run creates. Repositories carry the run id so that runs never collide in
 * a registry, and each cell has its own repository so that its pushes are told apart in the log.
 */
export interface RunNames {
  runId: string;
  registry: string;
}

/** A run id that sorts by time: `20261203-155806-a1b2`. */
export function newRunId(now: Date, random: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${random}`;
}

/** Lowercase, registry-safe path component. */
function component(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

export function cellKey(cell: Cell): string {
  return [cell.scenario, cell.variant, cell.backend, cell.builder].join("/");
}

/** The image repository of one cell: `bkmt/<run>/<scenario>-<variant>-<backend>-<builder>`. */
export function cellRepository(names: RunNames, cell: Cell): string {
  const parts = [cell.scenario, cell.variant, cell.backend, cell.builder].map(component);
  return `bkmt/${component(names.runId)}/${parts.join("-")}`;
}

export function imageRef(names: RunNames, cell: Cell, build: string): string {
  return `${names.registry}/${cellRepository(names, cell)}:${component(build)}`;
}

/** Registry cache goes to a repository of its own, so image pushes stay apart in the log. */
export function cacheRef(names: RunNames, cell: Cell, build: string): string {
  return `${names.registry}/${cellRepository(names, cell)}/cache:${component(build)}`;
}

export function baseRef(names: RunNames, base: string): string {
  return `${names.registry}/bkmt/${component(names.runId)}/base:${component(base)}`;
}

/** Files of one build inside the run folder, relative to it. */
export function buildFiles(cell: Cell, build: string) {
  const dir = path.join("builds", cellKey(cell));
  return {
    stream: path.join(dir, `${build}.rawjson`),
    localCache: path.join("cache", cellKey(cell), build),
  };
}

/** The `--cache-to` arguments for a backend. */
export function cacheToArgs(
  backend: CacheBackend,
  names: RunNames,
  cell: Cell,
  build: string,
  runDir: string,
): string[] {
  switch (backend) {
    case "inline":
      return ["--cache-to", "type=inline"];
    case "registry-min":
    case "registry-max":
      return [
        "--cache-to",
        `type=registry,ref=${cacheRef(names, cell, build)},mode=${backend === "registry-min" ? "min" : "max"}`,
      ];
    case "local":
      return [
        "--cache-to",
        `type=local,dest=${path.join(runDir, buildFiles(cell, build).localCache)},mode=min`,
      ];
  }
}

/** The `--cache-from` arguments that import an earlier build's cache. */
export function cacheFromArgs(
  backend: CacheBackend,
  names: RunNames,
  cell: Cell,
  source: string,
  runDir: string,
): string[] {
  switch (backend) {
    case "inline":
      return ["--cache-from", `type=registry,ref=${imageRef(names, cell, source)}`];
    case "registry-min":
    case "registry-max":
      return ["--cache-from", `type=registry,ref=${cacheRef(names, cell, source)}`];
    case "local":
      return [
        "--cache-from",
        `type=local,src=${path.join(runDir, buildFiles(cell, source).localCache)}`,
      ];
  }
}
