/**
 * Runs every benchmark in this folder: each `bench/*.ts` module that exports `run(effects)`.
 *
 *   npm run bench              # all of them
 *   npm run bench -- progress  # only those whose file name contains "progress"
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { consoleEffects, type Effects, formatDuration } from "../lib/core/effects.ts";
import { runMain } from "../lib/core/errors.ts";

const here = path.dirname(fileURLToPath(import.meta.url));

await runMain(async (signal) => {
  const effects = consoleEffects(signal);
  const filters = process.argv.slice(2);
  const files = (await readdir(here))
    .filter((file) => file.endsWith(".ts") && file !== "run.ts")
    .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
    .sort();

  for (const file of files) {
    if (signal.aborted) break;
    const module = (await import(pathToFileURL(path.join(here, file)).href)) as {
      run?: (effects: Effects) => Promise<void>;
    };
    if (typeof module.run !== "function") continue;
    const began = effects.now();
    await module.run(effects);
    effects.log(`bench ${file} → done in ${formatDuration(effects.now() - began)}`);
  }
  return 0;
});
