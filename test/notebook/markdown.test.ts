import assert from "node:assert/strict";
import { test } from "node:test";
import { renderMarkdown } from "../../lib/notebook/markdown.ts";
import { Slugger } from "../../lib/notebook/slug.ts";

const md = (text: string) => renderMarkdown(text, new Slugger()).value;

test("raw HTML in Markdown is shown as text, never passed through", () => {
  const out = md(`<script>alert(1)</script>\n\nHello <img src=x onerror=alert(1)> there`);
  assert.doesNotMatch(out, /<script|<img/i);
  assert.match(out, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(out, /&lt;img src=x onerror=alert\(1\)&gt;/);
});

test("links keep only harmless targets and images become their alt text", () => {
  const out = md(
    `[a](javascript:alert(1)) [b](https://example.org/ "t\\"itle") ![alt <b>](https://example.org/x.png)`,
  );
  assert.match(out, /<a href="#">a<\/a>/);
  assert.match(out, /<a href="https:\/\/example.org\/" title="t&quot;itle">b<\/a>/);
  assert.doesNotMatch(out, /<img/);
  assert.match(out, /<span class="image-alt">alt &lt;b&gt;<\/span>/);
});

test("code blocks and their language are escaped", () => {
  const out = md('```"><script>x</script>\n<b>bold</b>\n```');
  assert.doesNotMatch(out, /<script|<b>/);
});

test("headings get anchor ids, shifted under the current section", () => {
  const slugger = new Slugger();
  const out = renderMarkdown("# Top\n\n## Sub", slugger, 2).value;
  assert.match(out, /<h3 id="top">Top<\/h3>/);
  assert.match(out, /<h4 id="sub">Sub<\/h4>/);
});
