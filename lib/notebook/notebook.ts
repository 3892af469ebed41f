import { type PlotOptions, renderChart } from "./chart.ts";
import { escapeHtml, type HtmlValue, html, SafeHtml, toHtml } from "./html.ts";
import { renderInlineMarkdown, renderMarkdown } from "./markdown.ts";
import { renderPage, type TocEntry } from "./page.ts";
import { Slugger } from "./slug.ts";

/** What a table cell, a value or a note may hold: text is escaped, `SafeHtml` is kept. */
export type CellContent = HtmlValue;

/** One column of a table: a key of the row, or a label with a function that reads the row. */
export type Column<T> =
  | (keyof T & string)
  | { label: string; value: (row: T) => CellContent; align?: "left" | "right" };

/** A note on one line of a log, shown beside it; `misleading` and `error` also mark the line. */
export interface LogAnnotation {
  /** 1-based line number in the log text. */
  line: number;
  kind: "misleading" | "error" | "note";
  note: CellContent;
}

export interface LogOptions {
  /** Open the log when the page loads, e.g. for a failed build. */
  open?: boolean;
  /** Extra text after the title in the summary line. */
  summary?: CellContent;
}

export interface ChartOptions {
  caption?: CellContent;
  /** Short description for screen readers. */
  alt?: string;
}

/** A recorded cell: everything a notebook shows, kept as HTML until `render()` assembles it. */
export type NotebookCell =
  | { kind: "section"; level: 2 | 3 | 4; title: string; id: string }
  | { kind: "html"; html: SafeHtml }
  | { kind: "value"; label: string; value: SafeHtml; note?: SafeHtml }
  | { kind: "chart"; id: string; html: SafeHtml };

export interface NotebookOptions {
  title: string;
  /** A line under the title, Markdown. */
  subtitle?: string;
  /** A line at the foot of the page, Markdown. */
  footer?: string;
}

/**
 * A notebook records cells while a script runs (prose, tables, values, charts, logs) and renders
 * them at the end as one self-contained HTML page with a table of contents. A script that uses it
 * reads top to bottom like the page it produces.
 */
export class Notebook {
  readonly title: string;
  readonly cells: NotebookCell[] = [];
  #options: NotebookOptions;
  #slugger = new Slugger();
  #charts = 0;
  #styles = new Set<string>();
  #headingDepth = 2;

  constructor(options: NotebookOptions) {
    this.title = options.title;
    this.#options = options;
  }

  /**
   * Starts a section (level 2), subsection (level 3) or part of one (level 4) and returns its
   * anchor id. The table of contents lists levels 2 and 3 only, so that a page with a hundred
   * parts keeps a contents list a reader can scan.
   */
  section(title: string, options: { level?: 2 | 3 | 4 } = {}): string {
    const level = options.level ?? 2;
    const id = this.#slugger.slug(title);
    this.#headingDepth = level;
    this.cells.push({ kind: "section", level, title, id });
    return id;
  }

  /** Prose in Markdown; its headings nest under the current section. */
  md(text: string): void {
    const offset = Math.max(0, this.#headingDepth - 1);
    this.cells.push({ kind: "html", html: renderMarkdown(text, this.#slugger, offset) });
  }

  /** A callout box for what a reader must not miss, e.g. that a run is partial. */
  callout(text: string, kind: "warning" | "error" = "warning"): void {
    const body = renderMarkdown(text, this.#slugger, this.#headingDepth);
    this.html(html`<div class="${`callout ${kind}`}" role="note">${body}</div>`);
  }

  /** A table of rows; columns default to the first row's keys. */
  table<T extends object>(
    rows: readonly T[],
    columns?: readonly Column<T>[],
    options: { caption?: CellContent } = {},
  ): void {
    const cols = (columns ?? (Object.keys(rows[0] ?? {}) as Column<T>[])).map(normalizeColumn);
    const head = cols.map(
      (c) => html`<th class="${c.align === "right" ? "num" : ""}">${c.label}</th>`,
    );
    const body = rows.map(
      (row) =>
        html`<tr>${cols.map(
          (c) => html`<td class="${c.align === "right" ? "num" : ""}">${c.value(row)}</td>`,
        )}</tr>`,
    );
    const caption =
      options.caption === undefined ? "" : html`<caption>${options.caption}</caption>`;
    this.html(
      html`<div class="table-wrap"><table>${caption}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`,
    );
  }

  /** One labelled value; consecutive values are shown side by side. */
  value(label: string, value: CellContent, note?: CellContent): void {
    this.cells.push({
      kind: "value",
      label,
      value: new SafeHtml(toHtml(value)),
      note: note === undefined ? undefined : new SafeHtml(toHtml(note)),
    });
  }

  /** A chart: an SVG element, or Observable Plot options plotted server-side. */
  chart(input: Element | PlotOptions, options: ChartOptions = {}): string {
    this.#charts++;
    const id = `chart-${this.#charts}`;
    const svg = this.#chartHtml(input);
    const label = options.alt ? html` aria-label="${options.alt}"` : "";
    const caption =
      options.caption === undefined ? "" : html`<figcaption>${options.caption}</figcaption>`;
    this.cells.push({
      kind: "chart",
      id,
      html: html`<figure class="chart" id="${id}" role="group"${label}>${svg}${caption}</figure>`,
    });
    return id;
  }

  /** A legend or other Plot element that is not a chart of its own, e.g. one legend for many. */
  legend(input: Element): void {
    this.html(html`<div class="legend">${this.#chartHtml(input)}</div>`);
  }

  #chartHtml(input: Element | PlotOptions): SafeHtml {
    const { html: markup, styles } = renderChart(input);
    for (const style of styles) this.#styles.add(style);
    return markup;
  }

  /** A log, collapsed by default, with notes beside the lines that need them. */
  log(
    title: CellContent,
    text: string,
    annotations: readonly LogAnnotation[] = [],
    options: LogOptions = {},
  ): void {
    const byLine = new Map<number, LogAnnotation[]>();
    for (const a of annotations) byLine.set(a.line, [...(byLine.get(a.line) ?? []), a]);

    // Each annotated line is a row of its own; the lines between share one row, which keeps a
    // long log small. Line numbers are left out: plain progress numbers its own rows.
    const rows: SafeHtml[] = [];
    let plain: string[] = [];
    const flush = () => {
      if (plain.length)
        rows.push(html`<tr><td class="text">${plain.join("\n")}</td><td></td></tr>`);
      plain = [];
    };
    text
      .replace(/\n$/, "")
      .split("\n")
      .forEach((line, index) => {
        const notes = byLine.get(index + 1);
        if (!notes) {
          plain.push(line);
          return;
        }
        flush();
        const kind = notes.some((n) => n.kind === "error")
          ? "error"
          : notes.some((n) => n.kind === "misleading")
            ? "misleading"
            : "noted";
        // Most lines carry one plain note; only several notes need a block each.
        const noteHtml = notes.map((n) => {
          const badge =
            n.kind === "note" ? "" : html`<span class="${`badge ${n.kind}`}">${n.kind}</span>`;
          return notes.length > 1 ? html`<div>${badge}${n.note}</div>` : html`${badge}${n.note}`;
        });
        rows.push(html`<tr class="${kind}"><td>${line}</td><td>${noteHtml}</td></tr>`);
      });
    flush();

    const counts = (["misleading", "error"] as const)
      .map((k) => [k, annotations.filter((a) => a.kind === k).length] as const)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => html` <span class="${`badge ${k}`}">${n} ${k}</span>`);
    const extra =
      options.summary === undefined ? "" : html` <span class="muted">${options.summary}</span>`;
    this.html(
      html`<details class="log"${options.open ? " open" : ""}><summary>${title}${extra}${counts}</summary><div class="details-body"><table class="log"><tbody>${rows}</tbody></table></div></details>`,
    );
  }

  /** Code or file content shown verbatim. */
  code(
    text: string,
    options: { title?: CellContent; collapsed?: boolean; wrap?: boolean } = {},
  ): void {
    const pre = html`<pre class="${options.wrap ? "wrap" : ""}"><code>${text}</code></pre>`;
    if (options.collapsed) {
      this.html(
        html`<details><summary>${options.title ?? "Show"}</summary><div class="details-body">${pre}</div></details>`,
      );
    } else {
      this.html(options.title === undefined ? pre : html`<h4>${options.title}</h4>${pre}`);
    }
  }

  /**
   * A place for markup that can only be written later, e.g. a list of links to parts whose
   * anchors exist once the parts are recorded. Left unfilled, it renders as nothing.
   */
  placeholder(): { fill: (content: SafeHtml) => void } {
    const cell: NotebookCell = { kind: "html", html: new SafeHtml("") };
    this.cells.push(cell);
    return {
      fill: (content) => {
        cell.html = content;
      },
    };
  }

  /** Markup built with the `html` template (escaped by construction). */
  html(content: SafeHtml): void {
    this.cells.push({ kind: "html", html: content });
  }

  /** One line of Markdown as inline HTML, for captions and table cells. */
  inline(text: string): SafeHtml {
    return renderInlineMarkdown(text, this.#slugger);
  }

  /** Assembles the recorded cells into one self-contained HTML page. */
  render(): string {
    const toc: TocEntry[] = [];
    const body: string[] = [];
    let values: string[] = [];
    const flushValues = () => {
      if (values.length) body.push(`<dl class="values">${values.join("")}</dl>`);
      values = [];
    };
    for (const cell of this.cells) {
      if (cell.kind !== "value") flushValues();
      switch (cell.kind) {
        case "section":
          if (cell.level !== 4) toc.push({ level: cell.level, title: cell.title, id: cell.id });
          body.push(
            `<h${cell.level} id="${escapeHtml(cell.id)}">${escapeHtml(cell.title)}</h${cell.level}>`,
          );
          break;
        case "value":
          values.push(
            html`<div><dt>${cell.label}</dt><dd>${cell.value}${cell.note ? html`<small>${cell.note}</small>` : ""}</dd></div>`
              .value,
          );
          break;
        case "chart":
        case "html":
          body.push(cell.html.value);
          break;
      }
    }
    flushValues();
    const slugger = new Slugger();
    return renderPage({
      title: this.title,
      subtitle: this.#options.subtitle
        ? renderInlineMarkdown(this.#options.subtitle, slugger)
        : undefined,
      footer: this.#options.footer
        ? renderInlineMarkdown(this.#options.footer, slugger)
        : undefined,
      toc,
      body: new SafeHtml(body.join("\n")),
      styles: [...this.#styles],
    });
  }
}

function normalizeColumn<T>(column: Column<T>): {
  label: string;
  value: (row: T) => CellContent;
  align?: "left" | "right";
} {
  if (typeof column !== "string") return column;
  return { label: column, value: (row) => row[column] as CellContent };
}
