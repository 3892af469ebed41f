import assert from "node:assert/strict";
import { test } from "node:test";
import * as Plot from "@observablehq/plot";
import { JSDOM } from "jsdom";
import { chartDocument } from "../../lib/notebook/chart.ts";
import { html } from "../../lib/notebook/html.ts";
import { Notebook } from "../../lib/notebook/notebook.ts";
import { contentSecurityPolicy } from "../../lib/notebook/page.ts";

function parse(page: string): Document {
  return new JSDOM(page).window.document;
}

test("a notebook renders its cells in order, with a table of contents of its sections", () => {
  const nb = new Notebook({ title: "Example", subtitle: "run `x`", footer: "made by a test" });
  nb.section("First");
  nb.md("Some **prose**.\n\n### A heading in prose");
  nb.value("Builds", 12, "all finished");
  nb.value("Verdicts", 3);
  nb.section("Second", { level: 3 });
  nb.table(
    [
      { name: "a<b", count: 1 },
      { name: "c", count: 2 },
    ],
    ["name", { label: "Count", value: (r) => r.count, align: "right" }],
  );
  nb.section("First");
  const doc = parse(nb.render());

  // One h1, then the sections with unique ids, each reachable from the table of contents.
  assert.equal(doc.querySelectorAll("h1").length, 1);
  const ids = [...doc.querySelectorAll("main :is(h2, h3, h4)[id]")].map((h) => h.id);
  assert.deepEqual(ids, ["first", "a-heading-in-prose", "second", "first-2"]);
  const toc = [...doc.querySelectorAll("nav.toc a")].map((a) => a.getAttribute("href"));
  assert.deepEqual(toc, ["#first", "#second", "#first-2"]);
  for (const href of toc) assert.ok(doc.getElementById(href!.slice(1)), `${href} resolves`);

  // Consecutive values share one list; table text is escaped, numbers right-aligned.
  assert.equal(doc.querySelectorAll("dl.values").length, 1);
  assert.equal(doc.querySelectorAll("dl.values > div").length, 2);
  assert.equal(doc.querySelector("td")!.textContent, "a<b");
  assert.equal(doc.querySelector("td.num")!.textContent, "1");
  assert.equal(doc.querySelector("footer")!.textContent, "made by a test");
});

test("the page is self-contained: a policy against loads, no script, styles inline", () => {
  const nb = new Notebook({ title: "Policy" });
  nb.md("text");
  const page = nb.render();
  const doc = parse(page);
  const meta = doc.querySelector('meta[http-equiv="Content-Security-Policy"]');
  assert.equal(meta?.getAttribute("content"), contentSecurityPolicy);
  assert.match(contentSecurityPolicy, /default-src 'none'/);
  assert.equal(doc.querySelectorAll("script, link, img, iframe").length, 0);
  // The stylesheet is raw CSS, not HTML-escaped, and has dark and print variants.
  const css = doc.querySelector("style")!.textContent!;
  assert.match(css, /details > summary/);
  assert.match(css, /prefers-color-scheme: dark/);
  assert.match(css, /@media print/);
});

test("charts come from Plot options or from an element, each in a figure with an id", () => {
  const nb = new Notebook({ title: "Charts" });
  const a = nb.chart(
    { marks: [Plot.barX([{ x: 1, y: "<b>" }], { x: "x", y: "y" })] },
    { caption: "first", alt: "a bar" },
  );
  const svg = Plot.plot({ document: chartDocument(), marks: [Plot.dot([[1, 2]])] });
  const b = nb.chart(svg);
  assert.deepEqual([a, b], ["chart-1", "chart-2"]);
  const doc = parse(nb.render());
  const figures = doc.querySelectorAll("figure.chart");
  assert.equal(figures.length, 2);
  assert.equal(figures[0].getAttribute("aria-label"), "a bar");
  assert.ok(figures[0].querySelector("svg"), "Plot options become an inline svg");
  assert.ok(figures[1].querySelector("svg"), "an element is kept");
  // Data text is text in the SVG, not markup.
  assert.equal(doc.querySelectorAll("figure b").length, 0);
  assert.ok(figures[0].textContent!.includes("<b>"));
});

test("a log marks annotated lines and counts them in its summary", () => {
  const nb = new Notebook({ title: "Logs" });
  nb.log(
    "build C",
    "#1 [1/2] FROM x\n#1 CACHED\n\n#2 [2/2] COPY --link a /\n#2 DONE 0.1s\n",
    [
      { line: 2, kind: "note", note: "cached" },
      { line: 5, kind: "misleading", note: html`copy <b>cached</b>` },
    ],
    { open: true, summary: "from the stream" },
  );
  nb.log("failed", "#3 ERROR: boom", [{ line: 1, kind: "error", note: "<img src=x onerror=1>" }]);
  const doc = parse(nb.render());
  const logs = doc.querySelectorAll("details.log");
  assert.equal(logs.length, 2);
  assert.ok(logs[0].hasAttribute("open"));
  assert.ok(!logs[1].hasAttribute("open"));
  // Annotated lines are rows of their own; the lines between them share one row.
  const rows = [...logs[0].querySelectorAll("tr")];
  assert.deepEqual(
    rows.map((r) => [r.className, r.cells[0].textContent, r.cells[1].textContent]),
    [
      ["", "#1 [1/2] FROM x", ""],
      ["noted", "#1 CACHED", "cached"],
      ["", "\n#2 [2/2] COPY --link a /", ""],
      ["misleading", "#2 DONE 0.1s", "misleadingcopy cached"],
    ],
  );
  assert.equal(logs[0].querySelectorAll("tr.misleading").length, 1);
  assert.match(logs[0].querySelector("summary")!.textContent!, /from the stream.*1 misleading/);
  assert.equal(logs[1].querySelectorAll("tr.error").length, 1);
  assert.equal(logs[1].querySelectorAll("img").length, 0);
});
