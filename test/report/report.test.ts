import assert from "node:assert/strict";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { JSDOM } from "jsdom";
import { silentEffects } from "../../lib/core/effects.ts";
import { UserError } from "../../lib/core/errors.ts";
import type { Results, RunInfo, Verdicts } from "../../lib/experiment/types.ts";
import { findingsLimit, ghCommentCommand } from "../../lib/report/findings.ts";
import { renderRun } from "../../lib/report/report.ts";
import { copyFixture } from "./helpers.ts";

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, "utf8")) as T;
}

test("renderRun writes report.html and findings.md beside the run's data", async () => {
  const { runDir, cleanup } = await copyFixture();
  try {
    const effects = silentEffects();
    const out = await renderRun(runDir, effects);
    assert.equal(out.reportFile, path.join(runDir, "report.html"));
    assert.equal(out.findingsFile, path.join(runDir, "findings.md"));
    assert.equal(await readFile(out.reportFile, "utf8"), out.html);
    assert.equal(await readFile(out.findingsFile, "utf8"), out.findings);
    assert.match(effects.lines[0], /^render .*report\.html → .* in /);

    // The structure follows the data: sections, one chart per kind and build, one log per build.
    const run = await readJson<RunInfo>(path.join(runDir, "run.json"));
    const { builds } = await readJson<Results>(path.join(runDir, "results.json"));
    const { verdicts } = await readJson<Verdicts>(path.join(runDir, "verdicts.json"));
    const doc = new JSDOM(out.html).window.document;
    const sections = [...doc.querySelectorAll("main h2")].map((h) => h.textContent);
    assert.deepEqual(sections, [
      "What we found",
      "The question",
      "What the builds did",
      "Push evidence",
      "Builds",
      "Reading the logs",
      "Provenance",
      "Sources",
    ]);
    const pushes = builds.filter((b) => b.push).length;
    const cells = new Set(
      builds.filter((b) => b.vertices.some((v) => v.started)).map((b) => JSON.stringify(b.cell)),
    );
    const scenarios = new Set(builds.map((b) => b.cell.scenario));
    // The verdict matrix, a layer matrix per scenario, the pushes, a timeline per cell.
    const expectedCharts = 1 + scenarios.size + (pushes ? 1 : 0) + cells.size;
    assert.equal(doc.querySelectorAll("figure.chart").length, expectedCharts);
    assert.equal(doc.querySelectorAll("figure.chart svg.plot").length, expectedCharts);
    // A log per build, except where the builder refused before any vertex ran: that log would
    // hold only the error its callout shows.
    const logged = builds.filter((b) => b.vertices.length > 0 || !b.errorText);
    assert.equal(doc.querySelectorAll("details.log").length, logged.length);
    assert.equal(
      doc.querySelectorAll("details.log[open]").length,
      logged.filter((b) => b.outcome !== "ok").length,
    );
    assert.equal(
      doc.querySelectorAll(".callout.error").length,
      builds.filter((b) => b.outcome !== "ok").length,
    );

    // Every verdict that answers appears once in its claim's table; the others are counted.
    const verdictRows = doc.querySelectorAll("h3[id^='claim-'] + .table-wrap tbody tr");
    const answering = verdicts.filter((v) => v.result !== "not-applicable");
    assert.equal(verdictRows.length, answering.length);
    const notApplicable = [...doc.querySelectorAll("h3[id^='claim-'] ~ p")]
      .map((p) => Number(/^Not applicable in (\d+) cells?:/.exec(p.textContent!)?.[1] ?? 0))
      .reduce((a, b) => a + b, 0);
    assert.equal(notApplicable, verdicts.length - answering.length);

    // The step outcomes are explained once, in What we found, next to the computed headlines.
    const found = doc.querySelector("#what-we-found")!;
    const legend = "BuildKit reported the copy cached (its cache key matched the imported cache)";
    assert.equal(doc.body.textContent!.split(legend).length, 2);
    let node = found.nextElementSibling;
    let inFound = "";
    while (node && node.tagName !== "H2") {
      inFound += node.textContent;
      node = node.nextElementSibling;
    }
    assert.ok(inFound.includes(legend));
    assert.match(inFound, /Holds in \d+ of \d+ cells? that could answer/);

    // Provenance names every builder and every departure.
    const text = doc.body.textContent!;
    for (const b of run.builders) assert.ok(text.includes(b.name));
    for (const d of run.departures) assert.ok(text.includes(d.replaceAll("`", "")), d);
    assert.ok(!text.includes("This run is partial"));

    // Findings fit one GitHub comment, open with the headlines and have a table per claim that
    // any cell answered, with a column per backend and variant that answered it.
    assert.ok(out.findings.length < findingsLimit);
    assert.match(out.findings, /^#### What we found$/m);
    const answered = verdicts.filter((v) => v.result !== "not-applicable");
    for (const claim of new Set(answered.map((v) => v.claim))) {
      const mine = answered.filter((v) => v.claim === claim);
      const holds = mine.filter((v) => v.result === "holds").length;
      assert.match(
        out.findings,
        new RegExp(`^\\*\\*${claim}\\. .*\\*\\* Holds in ${holds} of ${mine.length} cells? `, "m"),
      );
      const columns = new Set(mine.map((v) => `${v.cell.backend}/${v.cell.variant}`));
      const heading = out.findings.indexOf(`#### ${claim}. `);
      assert.ok(heading > 0, `a table for claim ${claim}`);
      const header = out.findings.slice(heading).split("\n")[2];
      assert.equal(header.split(" | ").length - 1, columns.size, header);
    }
    assert.match(
      out.findings,
      /^- \*\*matched-then-rebuilt\*\*: BuildKit reported the copy cached/m,
    );
    assert.match(out.findings, /#### How to reproduce/);
  } finally {
    await cleanup();
  }
});

test("an interrupted run without verdicts still renders, and says it is partial", async () => {
  const { runDir, cleanup } = await copyFixture();
  try {
    const run = await readJson<RunInfo>(path.join(runDir, "run.json"));
    await writeFile(
      path.join(runDir, "run.json"),
      JSON.stringify({ ...run, complete: false, endedAt: undefined }),
    );
    await rm(path.join(runDir, "verdicts.json"));
    const out = await renderRun(runDir, silentEffects());
    const doc = new JSDOM(out.html).window.document;
    const callout = doc.querySelector(".callout")!.textContent!;
    assert.match(callout, /This run is partial: the run did not finish; missing verdicts\.json/);
    assert.match(doc.querySelector(".subtitle")!.textContent!, /partial/);
    assert.match(out.findings, /This run is partial/);
    assert.match(out.findings, /No verdicts were written/);
  } finally {
    await cleanup();
  }
});

test("a folder that is missing or not a run folder is a user error saying what to pass", async () => {
  const { outputDir, cleanup } = await copyFixture();
  try {
    await assert.rejects(renderRun(path.join(outputDir, "nope"), silentEffects()), (error) => {
      assert.ok(error instanceof UserError);
      assert.match(
        error.message,
        /Expected a run folder holding run\.json, got ".*nope", which is nothing/,
      );
      assert.match(error.hint!, /output\/<run-id>/);
      return true;
    });
    await assert.rejects(renderRun(outputDir, silentEffects()), /without one/);
    const bad = path.join(outputDir, "bad");
    await writeFile(path.join(outputDir, "file"), "x");
    await assert.rejects(
      renderRun(path.join(outputDir, "file"), silentEffects()),
      /which is a file/,
    );
    await mkdir(bad);
    await writeFile(path.join(bad, "run.json"), "{ not json");
    await assert.rejects(renderRun(bad, silentEffects()), /Expected JSON in .*run\.json/);
    await writeFile(path.join(bad, "run.json"), "[]");
    await assert.rejects(renderRun(bad, silentEffects()), /to describe a run/);
  } finally {
    await cleanup();
  }
});

test("ghCommentCommand posts on docker/buildx#1099 and quotes the path when needed", () => {
  assert.equal(
    ghCommentCommand("output/run-1/findings.md"),
    "gh issue comment 1099 --repo docker/buildx --body-file output/run-1/findings.md",
  );
  assert.equal(
    ghCommentCommand("out put/it's/findings.md"),
    "gh issue comment 1099 --repo docker/buildx --body-file 'out put/it'\\''s/findings.md'",
  );
});
