/*
 * Writing GitHub-flavored Markdown from untrusted text: names, logs and errors from builds must
 * come out as the same text, never as markup, links or a broken table.
 */

/** Text for a Markdown paragraph or table cell: punctuation backslashed, HTML escaped. */
export function mdText(text: string): string {
  return (
    text
      .replace(/\r?\n/g, " ")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      // Only what can start emphasis, code, links, tables or strike-through mid-line.
      .replace(/[\\`*_[\]|~]/g, "\\$&")
      // And what starts a block at the beginning of a line: a heading, a list item.
      .replace(/^(\s*)([#+-])(?=\s|$)/, "$1\\$2")
      .replace(/^(\s*\d+)([.)])(?=\s|$)/, "$1\\$2")
  );
}

/** Inline code that survives any backticks inside it, and pipes inside a table. */
export function mdCode(text: string): string {
  const flat = text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced block longer than any backtick run in the text, so the text cannot close it. */
export function mdFence(text: string, lang = ""): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${text.replace(/\n$/, "")}\n${fence}`;
}

/** Text for HTML inside Markdown, e.g. a `<summary>`. */
export function mdHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A GitHub table; cells are already Markdown. */
export function mdTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Quotes one argument for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
