import assert from "node:assert/strict";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { JSDOM } from "jsdom";
import { silentEffects } from "../../lib/core/effects.ts";
import { UserError } from "../../lib/core/errors.ts";
import type { RunInfo } from "../../lib/experiment/types.ts";
import { renderIndex } from "../../lib/report/front-page.ts";
import { publishRun } from "../../lib/report/publish.ts";
import { copyFixture } from "./helpers.ts";

test("the front page lists every run, newest first, and links the rendered reports", async () => {
  const { outputDir, runDir, cleanup } = await copyFixture();
  try {
    // A second, later run that was interrupted, and a folder whose run.json is broken.
    const later = path.join(outputDir, "later run");
    await cp(runDir, later, { recursive: true });
    const run = JSON.parse(await readFile(path.join(later, "run.json"), "utf8")) as RunInfo;
    await writeFile(
      path.join(later, "run.json"),
      JSON.stringify({
        ...run,
        id: "later run",
        startedAt: "2099-01-01T00:00:00Z",
        complete: false,
      }),
    );
    await rm(path.join(later, "verdicts.json"));
    await mkdir(path.join(outputDir, "broken"));
    await writeFile(path.join(outputDir, "broken", "run.json"), "{");
    await mkdir(path.join(outputDir, "not-a-run"));

    const published = await publishRun(runDir, silentEffects());
    assert.equal(published.indexFile, path.join(outputDir, "index.html"));
    assert.match(published.ghCommand, /^gh issue comment 1099 --repo docker\/buildx --body-file /);

    const doc = new JSDOM(await readFile(published.indexFile, "utf8")).window.document;
    const rows = [...doc.querySelectorAll("tbody tr")];
    assert.deepEqual(
      rows.map((r) => r.querySelector("td")!.textContent),
      ["later run", path.basename(runDir), "broken"],
    );
    assert.match(rows[0].textContent!, /partial/);
    assert.match(rows[1].textContent!, /complete/);
    assert.match(rows[2].textContent!, /unreadable/);
    // Only the run with a report is a link, and the link is relative so the folder can move.
    const links = [...doc.querySelectorAll("tbody a")].map((a) => a.getAttribute("href"));
    assert.deepEqual(links, [`${encodeURIComponent(path.basename(runDir))}/report.html`]);
    // Headline verdicts: one line per claim with counts.
    assert.ok(rows[1].querySelectorAll("td:last-child .badge").length > 0);
  } finally {
    await cleanup();
  }
});

test("renderIndex on a missing folder is a user error", async () => {
  await assert.rejects(renderIndex("/nonexistent/output", silentEffects()), UserError);
});
