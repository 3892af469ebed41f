/**
 * Side effects passed into every job: where progress lines go, what time it is, and when to stop.
 * Tests pass `silentEffects()` so that runs are quiet and deterministic.
 */
export interface Effects {
  /** Writes one progress line (stderr for the command-line tools). */
  log(line: string): void;
  /** Milliseconds since the epoch. */
  now(): number;
  /** Aborted when the user presses Ctrl-C or a caller gives up. */
  signal: AbortSignal;
}

/** Effects for the command line: lines on stderr, the real clock, and Ctrl-C. */
export function consoleEffects(signal: AbortSignal = new AbortController().signal): Effects {
  return {
    log: (line) => process.stderr.write(`${line}\n`),
    now: () => Date.now(),
    signal,
  };
}

/** Effects that print nothing and keep the lines, for tests. */
export function silentEffects(
  options: { now?: () => number; signal?: AbortSignal } = {},
): Effects & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    log: (line) => lines.push(line),
    now: options.now ?? (() => Date.now()),
    signal: options.signal ?? new AbortController().signal,
  };
}

/** Formats a duration the way every progress line shows it: `850ms`, `12.3s`, `2m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, "0")}s`;
}

/** Formats a byte count: `512 B`, `1.2 kB`, `34.5 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Runs one unit of work and logs a single timed line when it ends: `start engine → ok in 1.2s`. */
export async function timed<T>(
  effects: Effects,
  label: string,
  work: () => Promise<T>,
): Promise<T> {
  const start = effects.now();
  try {
    const result = await work();
    effects.log(`${label} → ok in ${formatDuration(effects.now() - start)}`);
    return result;
  } catch (error) {
    effects.log(`${label} → failed after ${formatDuration(effects.now() - start)}`);
    throw error;
  }
}
