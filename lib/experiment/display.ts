import { type Effects, formatDuration } from "../core/effects.ts";

/** What one builder is doing, for the live display. */
export interface BuilderProgress {
  builder: string;
  scenario: string;
  build: string;
  done: number;
  total: number;
  failures: number;
  startedAt: number;
  finished: boolean;
}

/**
 * The runner's live display: on a terminal, one line per builder redrawn in place; elsewhere (CI,
 * a pipe) one line per finished build, so logs stay readable.
 */
export class LiveDisplay {
  readonly #rows = new Map<string, BuilderProgress>();
  readonly #effects: Effects;
  readonly #tty: boolean;
  readonly #write: (text: string) => void;
  #drawn = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(effects: Effects, options: { tty?: boolean; write?: (text: string) => void } = {}) {
    this.#effects = effects;
    this.#tty = options.tty ?? Boolean(process.stderr.isTTY);
    this.#write = options.write ?? ((text) => process.stderr.write(text));
    if (this.#tty) this.#timer = setInterval(() => this.#draw(), 500);
    this.#timer?.unref?.();
  }

  update(progress: BuilderProgress): void {
    this.#rows.set(progress.builder, { ...progress });
    if (this.#tty) this.#draw();
  }

  /** One finished build; off a terminal this is the only output. */
  finished(line: string): void {
    if (this.#tty) {
      this.#clear();
      this.#write(`${line}\n`);
      this.#draw();
    } else {
      this.#effects.log(line);
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#tty) this.#draw();
    this.#drawn = 0;
  }

  /** The display's lines as text, without terminal control codes. */
  lines(): string[] {
    const now = this.#effects.now();
    return [...this.#rows.values()].map((row) => {
      const state = row.finished ? "finished" : `${row.scenario} ${row.build}`;
      const failures = row.failures ? `, ${row.failures} failed` : "";
      return (
        `${row.builder.padEnd(20)} ${String(row.done).padStart(3)}/${row.total} ` +
        `${formatDuration(now - row.startedAt).padStart(6)}  ${state}${failures}`
      );
    });
  }

  #clear() {
    if (this.#drawn > 0) this.#write(`\x1b[${this.#drawn}A\x1b[J`);
    this.#drawn = 0;
  }

  #draw() {
    this.#clear();
    const lines = this.lines();
    if (lines.length === 0) return;
    this.#write(`${lines.join("\n")}\n`);
    this.#drawn = lines.length;
  }
}
