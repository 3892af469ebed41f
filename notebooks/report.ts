/**
 * Renders a finished (or interrupted) run again, without any builder:
 *
 *   npx zx notebooks/report.ts output/<run-id> [output/<run-id> …]   # report.html + findings.md
 *   npx zx notebooks/report.ts --index [output]                       # output/index.html
 *
 * Paths of what was written go to stdout, one per line, then the command that posts the
 * findings upstream; progress goes to stderr.
 */
import { parseArgs } from "node:util";
import { scriptArgs } from "../lib/core/args.ts";
import { consoleEffects } from "../lib/core/effects.ts";
import { runMain, UserError } from "../lib/core/errors.ts";
import { ghCommentCommand } from "../lib/report/findings.ts";
import { renderIndex } from "../lib/report/front-page.ts";
import { renderRun } from "../lib/report/report.ts";

const USAGE = "usage: npx zx notebooks/report.ts output/<run-id> … | --index [output]";

await runMain(async (signal) => {
  const effects = consoleEffects(signal);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(scriptArgs(import.meta.url));
  } catch (error) {
    throw new UserError(`${(error as Error).message}`, { hint: USAGE });
  }
  const { values, positionals } = parsed;

  if (values.index) {
    const { indexFile } = await renderIndex(positionals[0] ?? "output", effects);
    process.stdout.write(`${indexFile}\n`);
    return 0;
  }
  if (positionals.length === 0) {
    throw new UserError("Expected a run folder such as output/<run-id>, got no argument", {
      hint: `${USAGE}; \`ls output/\` lists the runs`,
    });
  }
  for (const runDir of positionals) {
    const { reportFile, findingsFile } = await renderRun(runDir, effects);
    process.stdout.write(`${reportFile}\n${findingsFile}\n${ghCommentCommand(findingsFile)}\n`);
  }
  return 0;
});

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: { index: { type: "boolean", default: false } },
  });
}
