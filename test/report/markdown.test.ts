import assert from "node:assert/strict";
import { test } from "node:test";
import { mdCode, mdFence, mdTable, mdText, shellQuote } from "../../lib/report/markdown.ts";

test("mdText keeps text as text: no emphasis, links, tables, HTML or blocks", () => {
  assert.equal(
    mdText("a *b* _c_ [d](e) | <img> & ~f~"),
    "a \\*b\\* \\_c\\_ \\[d\\](e) \\| &lt;img&gt; &amp; \\~f\\~",
  );
  assert.equal(mdText("# not a heading"), "\\# not a heading");
  assert.equal(mdText("1. not a list"), "1\\. not a list");
  assert.equal(mdText("28.5.2+dfsg4 (one) line\nbreak"), "28.5.2+dfsg4 (one) line break");
});

test("code spans and fences cannot be closed by the text they hold", () => {
  assert.equal(mdCode("a`b"), "``a`b``");
  assert.equal(mdCode("`x`"), "`` `x` ``");
  assert.equal(mdCode("a|b"), "`a\\|b`");
  assert.equal(mdFence("```\ninside\n", "text"), "````text\n```\ninside\n````");
});

test("mdTable and shellQuote", () => {
  assert.equal(mdTable(["a", "b"], [["1", "2"]]), "| a | b |\n| --- | --- |\n| 1 | 2 |");
  assert.equal(shellQuote("output/run-1/findings.md"), "output/run-1/findings.md");
  assert.equal(shellQuote("it's"), "'it'\\''s'");
});
