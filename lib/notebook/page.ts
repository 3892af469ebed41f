import { html, raw, type SafeHtml } from "./html.ts";
import { stylesheet } from "./style.ts";

/**
 * The page may load nothing: no script, font, image or frame from anywhere, not even from its own
 * folder. Inline styles are allowed because every chart carries its own `<style>`; images only as
 * `data:` URLs.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

export interface TocEntry {
  level: 2 | 3;
  title: string;
  id: string;
}

export interface PageParts {
  title: string;
  subtitle?: SafeHtml;
  footer?: SafeHtml;
  toc: readonly TocEntry[];
  body: SafeHtml;
  /** Extra CSS written by this codebase or its chart library (never user data). */
  styles?: readonly string[];
}

/**
 * Wraps a body in the page shell: the policy, the stylesheet, the table of contents. The
 * stylesheet goes in raw: a `<style>` element's text is not HTML, so escaping would break it.
 */
export function renderPage(parts: PageParts): string {
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${parts.title}</title>
<style>${raw(stylesheet)}${raw((parts.styles ?? []).join("\n"))}</style>
</head>
<body>
<div class="${parts.toc.length > 1 ? "layout" : "layout single"}">
${parts.toc.length > 1 ? renderToc(parts.toc) : ""}
<main>
<header><h1>${parts.title}</h1>${parts.subtitle ? html`<p class="subtitle">${parts.subtitle}</p>` : ""}</header>
${parts.body}
${parts.footer ? html`<footer>${parts.footer}</footer>` : ""}
</main>
</div>
</body>
</html>
`;
  return page.value;
}

/** An ordered list of the sections (a page of one section needs none), with the subsections of each nested below it. */
function renderToc(entries: readonly TocEntry[]): SafeHtml {
  const groups: { entry: TocEntry; children: TocEntry[] }[] = [];
  for (const entry of entries) {
    const last = groups.at(-1);
    if (entry.level === 3 && last) last.children.push(entry);
    else groups.push({ entry, children: [] });
  }
  const link = (e: TocEntry) => html`<a href="${`#${e.id}`}">${e.title}</a>`;
  const items = groups.map(
    ({ entry, children }) =>
      html`<li>${link(entry)}${children.length ? html`<ol>${children.map((c) => html`<li>${link(c)}</li>`)}</ol>` : ""}</li>`,
  );
  return html`<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>${items}</ol></nav>`;
}
