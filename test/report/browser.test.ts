/**
 * Opens a rendered report in headless Chromium and checks it as a reader would get it.
 *
 * Runs under Node only: playwright-core drives the browser over a pipe with Node's child-process
 * and stream internals, which Deno's compatibility layer does not carry far enough. Under Deno
 * the test is skipped with that reason. Under Node it never skips: a missing browser fails with
 * a message saying how to install it (CI installs Debian's `chromium` in .ci/run).
 */
import assert from "node:assert/strict";
import { access, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { silentEffects } from "../../lib/core/effects.ts";
import { renderRun } from "../../lib/report/report.ts";
import { copyFixture } from "./helpers.ts";

const chromiumPath = "/usr/bin/chromium";
const isDeno = "Deno" in globalThis;
/** Screenshots go to the ignored output folder, for a person to look at; never committed. */
const screenshots = fileURLToPath(new URL("../../output/screenshots/", import.meta.url));

test("the report opens in Chromium with no error, no request, visible charts and working links", {
  skip: isDeno ? "Node only: playwright-core does not run under Deno" : false,
  timeout: 120_000,
}, async (t) => {
  await access(chromiumPath).catch(() => {
    assert.fail(
      `Expected Chromium at ${chromiumPath}, found nothing: install Debian's package with ` +
        "`apt-get install -y chromium` (CI does this in .ci/run)",
    );
  });
  const { chromium } = await import("playwright-core");
  const { runDir, cleanup } = await copyFixture();
  const profile = await mkdtemp(path.join(os.tmpdir(), "report-chromium-"));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    viewport: { width: 1280, height: 900 },
  });
  try {
    const { reportFile } = await renderRun(runDir, silentEffects());
    await mkdir(screenshots, { recursive: true });

    // Keep the page off the network: abort and count everything that is not the file itself.
    const blocked: string[] = [];
    await browser.route(
      (url) => url.protocol !== "file:",
      (route) => {
        blocked.push(route.request().url());
        return route.abort();
      },
    );
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    const requests: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith("file:")) requests.push(request.url());
    });

    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(pathToFileURL(reportFile).href, { waitUntil: "load" });

      // Every chart is laid out with a size and inside the page.
      const charts = await page.$$eval("figure.chart", (figures) =>
        figures.map((f) => {
          const box = f.querySelector("svg.plot")!.getBoundingClientRect();
          const style = getComputedStyle(f);
          return {
            id: f.id,
            width: box.width,
            height: box.height,
            hidden: style.visibility === "hidden" || style.display === "none",
          };
        }),
      );
      assert.ok(charts.length > 3, `expected charts, got ${charts.length}`);
      for (const chart of charts) {
        assert.ok(
          chart.width > 100 && chart.height > 40 && !chart.hidden,
          `${chart.id} is visible`,
        );
      }

      // Every link of the table of contents points at an element of the page.
      const broken = await page.$$eval("nav.toc a", (links) =>
        links
          .map((a) => a.getAttribute("href")!)
          .filter(
            (href) =>
              !href.startsWith("#") || !document.getElementById(decodeURIComponent(href.slice(1))),
          ),
      );
      assert.deepEqual(broken, []);

      // Text and background differ in both schemes.
      const colors = await page.evaluate(() => {
        const style = getComputedStyle(document.body);
        return [style.color, getComputedStyle(document.documentElement).backgroundColor];
      });
      assert.notEqual(colors[0], colors[1]);
      const shot = path.join(screenshots, `report-${scheme}.png`);
      await page.screenshot({ path: shot });
      t.diagnostic(`screenshot: ${shot}`);
    }

    assert.deepEqual(errors, [], "no console errors");
    assert.deepEqual(requests, [], "no network requests");
    assert.deepEqual(blocked, [], "nothing had to be blocked");
  } finally {
    await browser.close();
    await rm(profile, { recursive: true, force: true });
    await cleanup();
  }
});
