/**
 * The page's only stylesheet, inlined. Colors are custom properties so that one block switches the
 * page to dark; charts draw with `currentColor` and these properties, so they follow along.
 */
export const stylesheet = `
:root {
  color-scheme: light dark;
  --bg: #fdfdfc;
  --fg: #1d1f23;
  --muted: #5b6169;
  --faint: #eceef0;
  --rule: #d5d9de;
  --panel: #f4f5f7;
  --accent: #1f5fbf;
  --good: #1a7f4b;
  --bad: #c2361f;
  --warn: #a86400;
  --na: #8a9099;
  --mark-misleading: #fff1cc;
  --mark-error: #fde2dd;
  --mono: ui-monospace, "SF Mono", "Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas,
    monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15171a;
    --fg: #e4e6ea;
    --muted: #a0a7b1;
    --faint: #23262b;
    --rule: #363b42;
    --panel: #1d2024;
    --accent: #7eb0ff;
    --good: #4cc38a;
    --bad: #ff7b66;
    --warn: #f0b34a;
    --na: #8a9099;
    --mark-misleading: #4a3a10;
    --mark-error: #4d211b;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); }
body {
  margin: 0;
  font: 16px/1.6 var(--sans);
  font-kerning: normal;
  text-rendering: optimizeLegibility;
  -webkit-text-size-adjust: 100%;
}
.layout {
  display: grid;
  grid-template-columns: minmax(0, 1fr);
  max-width: 1180px;
  margin: 0 auto;
  padding: 2rem 1.25rem 4rem;
  gap: 2.5rem;
}
@media (min-width: 1100px) {
  .layout { grid-template-columns: 15rem minmax(0, 1fr); }
  .layout.single { grid-template-columns: minmax(0, 1fr); max-width: 64rem; }
  nav.toc { position: sticky; top: 1.5rem; align-self: start; max-height: calc(100vh - 3rem);
    overflow: auto; }
}
nav.toc { font-size: 0.875rem; line-height: 1.45; }
nav.toc h2 { font-size: 0.75rem; letter-spacing: 0.08em; text-transform: uppercase;
  color: var(--muted); margin: 0 0 0.5rem; border: 0; padding: 0; }
nav.toc ol { list-style: none; margin: 0; padding: 0; }
nav.toc ol ol { padding-left: 0.9rem; margin: 0.15rem 0 0.4rem; font-size: 0.8125rem; }
nav.toc li { margin: 0.15rem 0; }
nav.toc a { color: var(--muted); text-decoration: none; }
nav.toc a:hover { color: var(--accent); }
main { min-width: 0; }
main > header { margin-bottom: 2rem; }
h1, h2, h3, h4, h5 { line-height: 1.25; font-weight: 650; letter-spacing: -0.01em; }
h1 { font-size: 2rem; margin: 0 0 0.4rem; }
h2 { font-size: 1.45rem; margin: 3rem 0 1rem; padding-bottom: 0.35rem;
  border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.15rem; margin: 2.2rem 0 0.75rem; }
h4 { font-size: 1rem; margin: 1.6rem 0 0.5rem; }
h5 { font-size: 0.9375rem; margin: 1.2rem 0 0.4rem; }
ol.cells { columns: 2 18rem; column-gap: 2rem; padding-left: 1.4rem; font-size: 0.875rem; }
ol.cells li { break-inside: avoid; }
h2, h3, h4, h5 { scroll-margin-top: 1rem; }
.subtitle { color: var(--muted); margin: 0; }
p, li, dt, dd, pre.wrap { white-space: pre-wrap; overflow-wrap: anywhere; }
blockquote { max-width: 46rem; }
a { color: var(--accent); text-underline-offset: 0.15em; }
code, pre, kbd { font-family: var(--mono); font-size: 0.875em; }
:not(pre) > code { background: var(--faint); padding: 0.1em 0.3em; border-radius: 4px;
  overflow-wrap: anywhere; }
pre { background: var(--panel); border: 1px solid var(--rule); border-radius: 6px;
  padding: 0.75rem 1rem; overflow-x: auto; line-height: 1.45; }
pre.wrap { white-space: pre-wrap; overflow-wrap: anywhere; }
blockquote { margin: 1rem 0; padding: 0.1rem 1rem; border-left: 3px solid var(--rule);
  color: var(--muted); }
.callout { border: 1px solid var(--rule); border-left: 4px solid var(--warn);
  background: var(--panel); border-radius: 6px; padding: 0.6rem 1rem; margin: 1rem 0;
  max-width: 46rem; }
.callout.error { border-left-color: var(--bad); }
.callout > :first-child { margin-top: 0; }
.callout > :last-child { margin-bottom: 0; }
.table-wrap { overflow-x: auto; margin: 1rem 0 1.5rem; }
table { border-collapse: collapse; font-size: 0.875rem; font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; color: var(--muted); padding-bottom: 0.4rem; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.75rem 0.35rem 0;
  border-bottom: 1px solid var(--rule); }
th { font-weight: 600; border-bottom-width: 2px; white-space: nowrap; }
td.num, th.num { text-align: right; }
dl.values { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr));
  gap: 0.75rem; max-width: none; margin: 1rem 0 1.5rem; }
dl.values div { background: var(--panel); border: 1px solid var(--rule); border-radius: 6px;
  padding: 0.55rem 0.8rem; }
dl.values dt { font-size: 0.75rem; color: var(--muted); text-transform: uppercase;
  letter-spacing: 0.05em; }
dl.values dd { margin: 0.1rem 0 0; font-size: 1.2rem; font-weight: 600;
  font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
dl.values dd small { display: block; font-size: 0.75rem; font-weight: 400; color: var(--muted); }
figure { margin: 1.25rem 0 2rem; }
figure svg { display: block; max-width: 100%; height: auto; overflow: visible;
  --plot-background: var(--bg); color: var(--fg); }
figcaption { font-size: 0.875rem; color: var(--muted); margin-top: 0.5rem; max-width: 46rem; }
.badge { display: inline-block; font-size: 0.75rem; font-weight: 600; line-height: 1.4;
  padding: 0 0.45em; border-radius: 999px; border: 1px solid currentColor; white-space: nowrap; }
.badge.holds, .badge.ok { color: var(--good); }
.badge.does-not-hold, .badge.failed, .badge.error { color: var(--bad); }
.badge.not-applicable, .badge.unsupported { color: var(--na); }
.badge.misleading, .badge.partial { color: var(--warn); }
details { margin: 0.75rem 0; border: 1px solid var(--rule); border-radius: 6px;
  background: var(--bg); }
details > summary { cursor: pointer; padding: 0.5rem 0.8rem; font-weight: 550;
  list-style-position: inside; }
details > summary .muted { font-weight: 400; font-size: 0.875em; overflow-wrap: anywhere; }
details[open] > summary { border-bottom: 1px solid var(--rule); }
details > .details-body { padding: 0.5rem 0.8rem 0.8rem; }
table.log { width: 100%; font: 0.8125rem/1.45 var(--mono); border-collapse: collapse; }
table.log td { border: 0; padding: 0.05rem 0.6rem 0.05rem 0; }
table.log td:first-child { white-space: pre-wrap; overflow-wrap: anywhere; }
table.log td:last-child { font-family: var(--sans); font-size: 0.8125rem; color: var(--muted);
  width: 30%; }
table.log tr.misleading td:first-child { background: var(--mark-misleading); }
table.log tr.error td:first-child { background: var(--mark-error); }
table.log tr.misleading td:last-child, table.log tr.error td:last-child { color: var(--fg); }
table.log td:last-child .badge { margin-right: 0.35rem; }
.muted { color: var(--muted); }
.nowrap { white-space: nowrap; }
footer { margin-top: 4rem; font-size: 0.8125rem; color: var(--muted); }
@media print {
  :root { --bg: #fff; --fg: #000; --panel: #f6f6f6; }
  body { font-size: 10.5pt; }
  .layout { display: block; max-width: none; padding: 0; }
  nav.toc { display: none; }
  a { color: inherit; }
  h2, h3 { break-after: avoid; }
  figure, tr, dl.values div { break-inside: avoid; }
  details { border: 0; }
  details > summary { padding-left: 0; }
  details::details-content { content-visibility: visible; display: block; }
  pre, table.log td:first-child { white-space: pre-wrap; }
}
`;
