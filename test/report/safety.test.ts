import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { JSDOM } from "jsdom";
import { silentEffects } from "../../lib/core/effects.ts";
import type { Results, RunInfo, Verdicts } from "../../lib/experiment/types.ts";
import { renderIndex } from "../../lib/report/front-page.ts";
import { renderRun } from "../../lib/report/report.ts";
import { copyFixture } from "./helpers.ts";

/** Payloads that would run code if any of them reached the page as markup. */
const payloads = {
  fileName: `<img src=x onerror=alert(1)>.txt`,
  fileContent: `</code><script>alert(2)</script>`,
  errorText: `ERROR: <script>alert(3)</script> "quoted' & done`,
  vertexName: `[2/3] COPY <svg onload=alert(4)> /`,
  streamName: `<script>alert(5)</script>`,
  streamError: `<img src=x onerror=alert(6)>`,
  description: `<script>alert(7)</script> and [click](javascript:alert(8))`,
  departure: `<img src=x onerror=alert(9)> instead of ubuntu`,
  builder: `<b onmouseover=alert(10)>evil</b>`,
  summary: `<iframe src=javascript:alert(11)>`,
  runId: `"><script>alert(12)</script>`,
};

async function poison(runDir: string): Promise<void> {
  const runFile = path.join(runDir, "run.json");
  const resultsFile = path.join(runDir, "results.json");
  const verdictsFile = path.join(runDir, "verdicts.json");
  const run = JSON.parse(await readFile(runFile, "utf8")) as RunInfo;
  const results = JSON.parse(await readFile(resultsFile, "utf8")) as Results;
  const verdicts = JSON.parse(await readFile(verdictsFile, "utf8")) as Verdicts;

  run.id = payloads.runId;
  run.departures.push(payloads.departure);
  run.scenarios[0].description = payloads.description;
  run.scenarios[0].builds[0].files[payloads.fileName] = payloads.fileContent;
  run.builders[0].workerLabels[payloads.fileName] = payloads.streamError;

  // A builder's name reaches tables, chart labels and the front page; rename it everywhere.
  const oldName = run.builders[0].name;
  run.builders[0].name = payloads.builder;
  for (const b of results.builds) if (b.cell.builder === oldName) b.cell.builder = payloads.builder;
  for (const v of verdicts.verdicts)
    if (v.cell.builder === oldName) v.cell.builder = payloads.builder;
  run.dockerfiles[payloads.fileName] = payloads.fileContent;
  run.argv.push(payloads.streamName);

  const build = results.builds[0];
  build.outcome = "failed";
  build.exitCode = 1;
  build.errorText = payloads.errorText;
  build.files[payloads.fileName] = payloads.fileContent;
  build.command.push(payloads.fileName);
  build.vertices[0].name = payloads.vertexName;
  build.vertices[0].error = payloads.streamError;
  build.vertices[0].step = "[2/3]";
  build.vertices[0].instruction = `COPY ${payloads.fileName} /`;

  // The raw stream gets a vertex of its own whose name and error are payloads.
  const stream = path.join(runDir, build.streamFile);
  const evil = {
    vertexes: [
      {
        digest: "sha256:evil",
        name: payloads.streamName,
        started: "2025-12-03T16:00:00.5Z",
        completed: "2025-12-03T16:00:00.6Z",
        error: payloads.streamError,
      },
    ],
  };
  await writeFile(
    stream,
    `${JSON.stringify(evil)}\n${await readFile(stream, "utf8")}${payloads.errorText}\n`,
  );

  verdicts.verdicts[0].summary = payloads.summary;
  verdicts.verdicts[0].evidence.push({
    build: build.build,
    fact: payloads.vertexName,
    vertex: payloads.vertexName,
  });
  await writeFile(runFile, JSON.stringify(run));
  await writeFile(resultsFile, JSON.stringify(results));
  await writeFile(verdictsFile, JSON.stringify(verdicts));
}

/** Checks that a page holds nothing that could run or load, and returns its text. */
function assertInert(page: string): string {
  const doc = new JSDOM(page).window.document;
  assert.equal(
    doc.querySelectorAll("script, iframe, object, embed, img, link, base, form").length,
    0,
  );
  for (const element of doc.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      assert.ok(!/^on/i.test(attribute.name), `${element.tagName} has ${attribute.name}`);
      if (/^(href|src|xlink:href|action)$/i.test(attribute.name)) {
        assert.doesNotMatch(attribute.value, /^\s*(javascript|data|vbscript):/i);
      }
    }
  }
  return doc.body.textContent!;
}

test("payloads in logs, file names, errors and prose stay inert text in the report", async () => {
  const { outputDir, runDir, cleanup } = await copyFixture();
  try {
    await poison(runDir);
    const { html, findings } = await renderRun(runDir, silentEffects());
    const text = assertInert(html);
    for (const payload of [
      payloads.fileName,
      payloads.errorText,
      payloads.vertexName,
      payloads.streamName,
      payloads.streamError,
      payloads.builder,
      payloads.summary,
      payloads.runId,
    ]) {
      assert.ok(text.includes(payload), `shown as text: ${payload}`);
    }
    // Markdown prose shows raw HTML as text and drops the script link.
    assert.ok(text.includes("<script>alert(7)</script>"));
    assert.doesNotMatch(html, /href="javascript:/i);

    // In findings.md no payload is live outside a code block or code span.
    const prose = findings
      .replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, "")
      .replace(/(`+)[^`]*?\1/g, "");
    assert.doesNotMatch(prose, /<(script|img|svg|iframe|b )/i);

    // The front page lists the poisoned run safely too.
    const index = await renderIndex(outputDir, silentEffects());
    assert.ok(assertInert(index.html).includes(payloads.builder));
  } finally {
    await cleanup();
  }
});
