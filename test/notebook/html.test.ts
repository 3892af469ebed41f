import assert from "node:assert/strict";
import { test } from "node:test";
import { escapeHtml, html, raw, safeHref } from "../../lib/notebook/html.ts";
import { Slugger } from "../../lib/notebook/slug.ts";

test("escapeHtml escapes the five characters that can end text or an attribute", () => {
  assert.equal(
    escapeHtml(`<a href="x" title='y'>&</a>`),
    "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
  );
});

test("the html template escapes placeholders and keeps SafeHtml, arrays and nothing", () => {
  const name = "<img src=x onerror=alert(1)>";
  const out = html`<p title="${name}">${name}${raw("<b>ok</b>")}${[1, "<", null]}${false}</p>`;
  assert.equal(
    out.value,
    `<p title="&lt;img src=x onerror=alert(1)&gt;">&lt;img src=x onerror=alert(1)&gt;<b>ok</b>1&lt;</p>`,
  );
});

test("safeHref keeps anchors, relative paths and web links, and drops scripts", () => {
  assert.equal(safeHref("#summary"), "#summary");
  assert.equal(safeHref("run/report.html"), "run/report.html");
  assert.equal(
    safeHref("https://github.com/docker/buildx/issues/1099"),
    "https://github.com/docker/buildx/issues/1099",
  );
  assert.equal(safeHref("javascript:alert(1)"), "#");
  assert.equal(safeHref(" JaVa\tScRiPt:alert(1)"), "#");
  assert.equal(safeHref("data:text/html,<script>alert(1)</script>"), "#");
  assert.equal(safeHref("vbscript:msgbox"), "#");
});

test("Slugger makes readable, unique anchor ids", () => {
  const slugger = new Slugger();
  assert.equal(slugger.slug("The question"), "the-question");
  assert.equal(slugger.slug("The question"), "the-question-2");
  assert.equal(slugger.slug("How COPY --link is built"), "how-copy-link-is-built");
  assert.equal(slugger.slug("<script>"), "script");
  assert.equal(slugger.slug("···"), "section");
});
