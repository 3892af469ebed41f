/**
 * HTML that is safe by construction: text is escaped where it enters a page, and only values
 * wrapped in `SafeHtml` (made by the `html` template, the Markdown renderer or a chart) pass
 * through unchanged. Logs, file names and error messages come from builds and users, so every
 * one of them must go through `escapeHtml` or the `html` template.
 */

/** A string of HTML that has already been escaped or built from trusted parts. */
export class SafeHtml {
  readonly value: string;

  constructor(value: string) {
    this.value = value;
  }

  toString(): string {
    return this.value;
  }
}

const entities: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => entities[char]);
}

/** Marks a string as trusted HTML; use only for markup this codebase wrote itself. */
export function raw(value: string): SafeHtml {
  return new SafeHtml(value);
}

/** What the `html` template accepts in a placeholder. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | HtmlValue[];

/** Turns a placeholder value into HTML: arrays are joined, nullish and false print nothing. */
export function toHtml(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(toHtml).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

/** A template tag whose placeholders are escaped unless they already are `SafeHtml`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += toHtml(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/**
 * Keeps a link target only when it cannot run code or load anything by itself: in-page anchors,
 * relative paths and http(s) or mailto addresses. Anything else becomes `#`.
 */
export function safeHref(href: string): string {
  const trimmed = href.trim();
  if (trimmed.startsWith("#")) return trimmed;
  // Strip characters browsers ignore inside a scheme, so `java\tscript:` is seen for what it is.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed.replace(/[\u0000-\u0020]/g, ""));
  if (!scheme) return trimmed;
  return ["http", "https", "mailto"].includes(scheme[1].toLowerCase()) ? trimmed : "#";
}
