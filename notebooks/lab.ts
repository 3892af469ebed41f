/**
 * The lab: BuildKit engines from Debian's packages and a registry, all on this machine.
 *
 *   npx zx notebooks/lab.ts up [--generations trixie,sid] [--modes graphdriver,containerd]
 *   npx zx notebooks/lab.ts status [--json]
 *   npx zx notebooks/lab.ts env BUILDER      # export lines for the docker CLI
 *   npx zx notebooks/lab.ts down
 */
import { parseArgs } from "node:util";
import { scriptArgs } from "../lib/core/args.ts";
import { consoleEffects, formatDuration } from "../lib/core/effects.ts";
import { runMain, UserError } from "../lib/core/errors.ts";
import { clientEnv } from "../lib/lab/engines.ts";
import { labDown, labIdentities, labUp, readLabState } from "../lib/lab/lab.ts";
import { labPaths } from "../lib/lab/paths.ts";
import { formatStatus } from "../lib/lab/status.ts";

const USAGE = "usage: npx zx notebooks/lab.ts up|status|env BUILDER|down [options]";

await runMain(async (signal) => {
  const { positionals, values } = parseLabArgs(scriptArgs(import.meta.url));
  const effects = consoleEffects(signal);
  const [command, ...rest] = positionals;
  const began = effects.now();

  switch (command) {
    case "up": {
      const state = await labUp(effects, {
        generations: list(values.generations),
        modes: list(values.modes),
      });
      for (const skipped of state.skipped)
        effects.log(`skipped ${skipped.generation}: ${skipped.reason}`);
      effects.log(
        `lab up: ${state.engines.length} builders, registry ${state.registry?.address} ` +
          `in ${formatDuration(effects.now() - began)} (folder ${labPaths().root})`,
      );
      return 0;
    }
    case "status": {
      const { state, identities } = await labIdentities(effects);
      if (values.json) process.stdout.write(`${JSON.stringify({ state, identities }, null, 2)}\n`);
      else process.stdout.write(formatStatus(state, identities));
      return 0;
    }
    case "env": {
      const state = await readLabState();
      const engine = state?.engines.find((e) => e.name === rest[0]);
      if (!engine) {
        const names = state?.engines.map((e) => e.name).join(", ") || "none: run `lab.ts up`";
        throw new UserError(`expected a lab builder name, got "${rest[0] ?? ""}"`, {
          hint: `lab builders: ${names}`,
        });
      }
      const lines = Object.entries(clientEnv(engine)).map(([k, v]) => `export ${k}=${v}`);
      lines.push(`export PATH=${engine.docker.replace(/\/docker$/, "")}:$PATH`);
      process.stdout.write(`${lines.join("\n")}\n`);
      return 0;
    }
    case "down": {
      const stopped = await labDown(effects);
      effects.log(`lab down: ${stopped} stopped in ${formatDuration(effects.now() - began)}`);
      return 0;
    }
    default:
      throw new UserError(`expected a command (up, status, env, down), got "${command ?? ""}"`, {
        hint: USAGE,
      });
  }
});

function parseLabArgs(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        generations: { type: "string" },
        modes: { type: "string" },
        json: { type: "boolean" },
      },
    });
  } catch (error) {
    throw new UserError((error as Error).message, { hint: USAGE });
  }
}

function list(value: string | undefined): string[] | undefined {
  return value
    ? value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}
