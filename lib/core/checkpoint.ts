import { writeJsonAtomic } from "./files.ts";

/**
 * Keeps a JSON file up to date with a value that keeps growing, without rewriting it after every
 * change: `touch` schedules one atomic write within `intervalMs`, changes in between join it, and
 * `flush` writes at once. A run that is killed outright loses at most `intervalMs` of changes.
 */
export class JsonCheckpoint {
  readonly #file: string;
  readonly #value: () => unknown;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #error: unknown;

  constructor(file: string, value: () => unknown, intervalMs = 1000) {
    this.#file = file;
    this.#value = value;
    this.#intervalMs = intervalMs;
  }

  /** Notes a change; the file is written within the interval. */
  touch(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#write();
    }, this.#intervalMs);
  }

  /** Writes now and waits for it; rethrows the first failed write, if any. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#write();
    await this.#writing;
    if (this.#error) throw this.#error;
  }

  #write() {
    this.#writing = this.#writing
      .then(() => writeJsonAtomic(this.#file, this.#value()))
      .catch((error) => {
        this.#error ??= error;
      });
  }
}
