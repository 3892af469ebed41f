import { Marked, type Tokens } from "marked";
import { escapeHtml, SafeHtml, safeHref } from "./html.ts";
import type { Slugger } from "./slug.ts";

/**
 * Renders GitHub-flavored Markdown to HTML that cannot run code or load anything. Raw HTML in the
 * source is shown as text rather than passed through, link targets keep only harmless schemes,
 * and images become their alt text, because a self-contained page loads nothing from anywhere.
 * Headings get anchor ids from the page's slugger so the table of contents can point at them.
 */
export function renderMarkdown(text: string, slugger: Slugger, headingOffset = 0): SafeHtml {
  const marked = new Marked({ gfm: true, async: false });
  marked.use({
    renderer: {
      html(token: Tokens.HTML | Tokens.Tag) {
        return escapeHtml(token.text);
      },
      heading(token: Tokens.Heading) {
        const inner = this.parser.parseInline(token.tokens);
        const depth = Math.min(6, token.depth + headingOffset);
        return `<h${depth} id="${escapeHtml(slugger.slug(token.text))}">${inner}</h${depth}>\n`;
      },
      link(token: Tokens.Link) {
        const inner = this.parser.parseInline(token.tokens);
        const title = token.title ? ` title="${escapeHtml(token.title)}"` : "";
        return `<a href="${escapeHtml(safeHref(token.href))}"${title}>${inner}</a>`;
      },
      image(token: Tokens.Image) {
        return `<span class="image-alt">${escapeHtml(token.text)}</span>`;
      },
    },
  });
  return new SafeHtml(marked.parse(text) as string);
}

/** Renders one line of Markdown without the surrounding paragraph. */
export function renderInlineMarkdown(text: string, slugger: Slugger): SafeHtml {
  const block = renderMarkdown(text, slugger).value.trim();
  const inner = /^<p>([\s\S]*)<\/p>$/.exec(block);
  return new SafeHtml(inner ? inner[1] : block);
}
