/**
 * Inspects one captured progress stream (`docker buildx build --progress=rawjson … 2> build.json`).
 *
 *   npx zx notebooks/trace.ts FILE            # one line per vertex: row, step, role, cached, group
 *   npx zx notebooks/trace.ts FILE --json     # the trace model as JSON
 *   npx zx notebooks/trace.ts FILE --plain    # what --progress=plain would have printed
 */
import { parseArgs } from "node:util";
import { scriptArgs } from "../lib/core/args.ts";
import { runMain, UserError } from "../lib/core/errors.ts";
import { parseTraceFile } from "../lib/progress/file.ts";
import { renderPlain } from "../lib/progress/plain.ts";
import { formatSummary } from "../lib/progress/summary.ts";

const USAGE = "usage: npx zx notebooks/trace.ts FILE [--json | --plain]";

await runMain(async () => {
  const { positionals, values } = parseTraceArgs(scriptArgs(import.meta.url));
  if (positionals.length !== 1) {
    throw new UserError(`expected one stream file, got ${positionals.length}`, { hint: USAGE });
  }
  const [file] = positionals;

  // A file that cannot be opened is the user's to fix; what it holds never throws.
  const trace = await parseTraceFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`cannot read ${file}: ${error.code ?? error.message}`, {
      hint: "capture one with: docker buildx build --progress=rawjson … 2> build.json",
    });
  });

  if (values.json) process.stdout.write(`${JSON.stringify(trace, null, 2)}\n`);
  else if (values.plain) process.stdout.write(renderPlain(trace));
  else process.stdout.write(formatSummary(trace, file));

  // A stream that stopped early still prints what it had, then says so and fails.
  if (trace.parseError) {
    process.stderr.write(`error: ${trace.parseError.message}\n`);
    return 1;
  }
  return 0;
});

function parseTraceArgs(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: "boolean" }, plain: { type: "boolean" } },
    });
  } catch (error) {
    throw new UserError((error as Error).message, { hint: USAGE });
  }
}
