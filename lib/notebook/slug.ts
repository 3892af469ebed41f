/** Gives each heading an anchor id made from its text, unique within one page. */
export class Slugger {
  #seen = new Map<string, number>();

  /** Returns `the-question`, then `the-question-2` for the same text again. */
  slug(text: string): string {
    const base =
      text
        .normalize("NFKD")
        .toLowerCase()
        .replace(/[^\p{Letter}\p{Number}]+/gu, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 64) || "section";
    const count = (this.#seen.get(base) ?? 0) + 1;
    this.#seen.set(base, count);
    return count === 1 ? base : `${base}-${count}`;
  }
}
