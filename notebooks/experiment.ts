/**
 * The study. Does `COPY --link` let a build reuse a later layer from remote cache when an earlier
 * layer changed, and are cached layers uploaded again on push?
 *
 *   npx zx notebooks/experiment.ts [--help for options]
 *
 * With no options it brings the lab up (BuildKit engines and a registry from Debian's packages),
 * runs every scenario on every builder with every cache backend, with and without `--link`, writes
 * the run folder under output/, and prints where it is and the verdicts.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { scriptArgs } from "../lib/core/args.ts";
import { consoleEffects, formatDuration } from "../lib/core/effects.ts";
import { runMain } from "../lib/core/errors.ts";
import { EXPERIMENT_USAGE, parseExperimentArgs } from "../lib/experiment/options.ts";
import { runExperiment } from "../lib/experiment/runner.ts";
import { setUpBuilders, toolVersions } from "../lib/experiment/setup.ts";
import { verdictTable } from "../lib/experiment/table.ts";
import { ghCommentCommand } from "../lib/report/findings.ts";
import { publishRun } from "../lib/report/publish.ts";
import { SCENARIOS } from "../lib/scenarios/scenarios.ts";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const relative = (file: string) => path.relative(process.cwd(), file) || ".";

await runMain(async (signal) => {
  const args = scriptArgs(import.meta.url);
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(EXPERIMENT_USAGE);
    return 0;
  }
  const options = parseExperimentArgs(args);
  const effects = consoleEffects(signal);
  const began = effects.now();

  // The builders: the lab's four (two engine generations × two image stores) unless you name yours.
  const setup = await setUpBuilders(options, effects);
  try {
    // The departures from the user's setup, stated once here and again in the report.
    const departures = [
      "Docker Hub is out of reach here, so a busybox base image built and pushed by the run stands in for `ubuntu`.",
      "The `# syntax=docker/dockerfile:1.4` line is dropped: the frontend image cannot be pulled, so each builder's built-in Dockerfile frontend runs instead.",
      `Images and cache go to a registry on this machine (${setup.registry}) instead of Docker Hub.`,
    ];

    // The matrix: every scenario × variant × cache backend on every builder, builders in parallel.
    const outcome = await runExperiment({
      builders: setup.builders,
      identities: setup.identities,
      scenarios: SCENARIOS.filter((s) => options.scenarios.includes(s.id)),
      variants: options.variants,
      backends: options.backends,
      registry: setup.registry,
      accessLog: setup.accessLog,
      outputDir: path.resolve(options.output),
      concurrency: options.concurrency ?? setup.builders.length,
      busybox: setup.busybox,
      sleepSeconds: options.sleepSeconds,
      departures,
      tools: toolVersions(root),
      argv: ["npx", "zx", "notebooks/experiment.ts", ...args],
      effects,
    });

    // What was measured: the verdicts, each from the run's own data.
    process.stdout.write(verdictTable(outcome.verdicts));
    const counts = { ok: 0, failed: 0, unsupported: 0 };
    for (const b of outcome.builds) counts[b.outcome]++;
    effects.log(
      `${outcome.interrupted ? "interrupted" : "done"}: ${outcome.builds.length} builds ` +
        `(${counts.ok} ok, ${counts.unsupported} unsupported, ${counts.failed} failed) on ` +
        `${setup.builders.length} builders in ${formatDuration(effects.now() - began)}`,
    );
    process.stdout.write(`run folder: ${relative(outcome.runDir)}\n`);

    // The write-up: a self-contained HTML report and the findings for the upstream thread, also
    // for an interrupted run (marked partial), and the front page of all runs.
    if (options.report) {
      const published = await publishRun(outcome.runDir, effects);
      process.stdout.write(`report: ${relative(published.reportFile)}\n`);
      process.stdout.write(`findings: ${relative(published.findingsFile)}\n`);
      process.stdout.write(`all runs: ${relative(published.indexFile)}\n`);
      const gh = ghCommentCommand(relative(published.findingsFile));
      process.stdout.write(`post the findings upstream: ${gh}\n`);
    }
    return outcome.interrupted ? 130 : 0;
  } finally {
    await setup.release();
  }
});
