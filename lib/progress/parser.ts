import { findJsonError } from "./json-error.ts";
import type { Status } from "./types.ts";

/**
 * A streaming reader for `--progress=rawjson` output. buildx ≤ 0.14 writes each SolveStatus as a
 * pretty-printed object, buildx ≥ 0.15 one compact object per line, and buildx adds plain text
 * after the stream when a build fails. The reader takes the bytes in chunks of any size and keeps
 * only the object it is in the middle of, so its memory does not grow with the stream.
 *
 * Most of the time goes to `JSON.parse`, so the reader avoids looking at each byte itself where
 * it can. An object whose end can be guessed (the end of its line, or a closing brace at the start
 * of a line, as buildx's indentation puts it) is handed to `JSON.parse` whole; only when that
 * fails, or the end is not in sight yet, does a byte scanner find where the object really ends.
 * A guess that parses is always right: a text that parses as one object ends where the scanner
 * would have ended it.
 */

/** `client.Vertex` as it travels: every field but the digest may be missing. */
export interface RawVertex {
  digest: string;
  inputs?: string[] | null;
  name?: string;
  started?: string;
  completed?: string;
  cached?: boolean;
  error?: string;
  progressGroup?: { id: string; name?: string; weak?: boolean } | null;
}

/** A status arrives in the shape the trace keeps it: one definition serves both. */
export type RawStatus = Status;

export interface RawLog {
  vertex: string;
  stream?: number;
  /** Base64, as Go encodes a byte slice. */
  data?: string;
  timestamp?: string;
}

export interface RawWarning {
  vertex: string;
  level?: number;
  /** Base64. */
  short?: string;
  /** Base64, one entry per line. */
  detail?: string[] | null;
  url?: string;
}

/** `client.SolveStatus`: one update from the engine. */
export interface SolveStatus {
  vertexes?: RawVertex[] | null;
  statuses?: RawStatus[] | null;
  logs?: RawLog[] | null;
  warnings?: RawWarning[] | null;
}

/** One thing found in the stream, with where it starts (byte offset from 0, line from 1). */
export type ProgressEvent =
  | {
      kind: "status";
      status: SolveStatus;
      offset: number;
      line: number;
      /** `lines` when the object sat on one line, `pretty` when it spanned several. */
      shape: "pretty" | "lines";
    }
  | { kind: "text"; text: string; offset: number; line: number };

/** Why the stream could not be read to its end; everything before `offset` was delivered. */
export class ProgressParseError extends Error {
  readonly file: string | undefined;
  readonly offset: number;
  readonly line: number;
  /** The problem alone, without the location. */
  readonly reason: string;

  constructor(reason: string, where: { file?: string; offset: number; line: number }) {
    const place = `${where.file ?? "<stream>"}: byte ${where.offset} (line ${where.line})`;
    super(`${place}: ${reason}`);
    this.name = "ProgressParseError";
    this.reason = reason;
    this.file = where.file;
    this.offset = where.offset;
    this.line = where.line;
  }
}

// Byte values the scanner looks at.
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Text lines are joined into one event up to this size, so a long text stays bounded too. */
const MAX_TEXT_EVENT = 64 * 1024;

/** How many bytes to decode at once, ahead of the objects that need them. */
const DECODE_AHEAD = 64 * 1024;

const KNOWN_KEYS = ["vertexes", "statuses", "logs", "warnings"];

/**
 * Reads a progress stream chunk by chunk. Call `push` for each chunk and `end` once; events go to
 * `onEvent` in stream order. The first problem stops the reader: it lands in `error` (and in
 * `onError`), and later chunks are ignored.
 */
export class ProgressParser {
  readonly file: string | undefined;
  error: ProgressParseError | undefined;
  /** The framing of the first object: decided once, then kept. */
  shape: "pretty" | "lines" | "empty" = "empty";
  /** Bytes and objects seen so far. */
  bytes = 0;
  objects = 0;

  #onEvent: (event: ProgressEvent) => void;
  #onError: ((error: ProgressParseError) => void) | undefined;
  #decoder = new TextDecoder("utf-8", { fatal: true });

  // The bytes not yet consumed, and the stream offset and line of their first byte.
  #buf: Uint8Array = new Uint8Array(0);
  #store: Uint8Array = new Uint8Array(0);
  #base = 0;
  #line = 1;
  #atLineStart = true;

  // The object being scanned, when one spans chunks: where it starts, and the scan so far.
  #inObject = false;
  #objectLine = 0;
  // Whether objects still look indented as buildx does it, with the closing brace of each at the
  // start of a line: one object that ends elsewhere says they do not.
  #indented = true;
  #scanPos = 0;
  #depth = 0;
  #inString = false;
  #newlines = 0;

  // Text lines waiting to be joined into one event.
  #text: string[] = [];
  #textSize = 0;
  #textOffset = 0;
  #textLine = 0;

  constructor(options: {
    file?: string;
    onEvent: (event: ProgressEvent) => void;
    onError?: (error: ProgressParseError) => void;
  }) {
    this.file = options.file;
    this.#onEvent = options.onEvent;
    this.#onError = options.onError;
  }

  /** Feeds the next chunk. Strings are taken as UTF-8 text. */
  push(chunk: Uint8Array | string): void {
    if (this.error) return;
    const bytes = asPlainBytes(chunk);
    this.bytes += bytes.length;
    this.#buf = this.#buf.length === 0 ? bytes : this.#join(this.#buf, bytes);
    this.#run(false);
  }

  /** Marks the end of the stream: an object cut short is an error, pending text is delivered. */
  end(): void {
    if (this.error) return;
    this.#run(true);
    if (this.error) return;
    this.#flushText();
    if (this.bytes === 0) {
      this.#fail("the stream is empty: expected BuildKit progress from --progress=rawjson", 0, 1);
    } else if (this.objects === 0) {
      this.#fail(
        "no JSON progress objects, only text: was the build run with --progress=rawjson?",
        0,
        1,
      );
    }
  }

  // Consumes as much of the buffer as can be decided now; the rest waits for more bytes.
  #run(final: boolean): void {
    let buf = this.#buf;
    let pos = 0;
    while (pos < buf.length && !this.error) {
      if (this.#inObject) {
        const end = this.#scanObject(buf, final);
        if (end < 0) return;
        if (end > 0 && buf[end - 1] !== NEWLINE) this.#indented = false;
        const single = this.#newlines === 0;
        if (!this.#deliverObject(buf, 0, end + 1, this.#objectLine, single)) return;
        this.#inObject = false;
        this.#atLineStart = false;
        pos = end + 1;
        continue;
      }

      // Between objects: skip blank space, counting lines.
      const byte = buf[pos];
      if (byte === NEWLINE) {
        this.#line++;
        this.#atLineStart = true;
        pos++;
        continue;
      }
      if (byte === SPACE || byte === TAB || byte === RETURN) {
        pos++;
        continue;
      }

      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        this.#flushText();

        // One object per line: when the line ends in a closing brace, try it whole first.
        if (byte === OPEN_BRACE) {
          const newline = buf.indexOf(NEWLINE, pos);
          let last = newline - 1;
          if (last >= 0 && buf[last] === RETURN) last--;
          if (newline >= 0 && buf[last] === CLOSE_BRACE) {
            const value = this.#tryParse(buf, pos, last + 1);
            if (value !== undefined) {
              if (!this.#deliverValue(value, this.#base + pos, this.#line, true)) return;
              this.#atLineStart = false;
              pos = last + 1;
              continue;
            }
          }

          // Pretty-printed: try up to the first closing brace that starts a line.
          if (this.#indented && lineEndsAt(buf, pos + 1)) {
            const close = braceAtLineStart(buf, pos);
            const value = close < 0 ? undefined : this.#tryParse(buf, pos, close + 1);
            if (value !== undefined) {
              const line = this.#line;
              this.#line += countNewlines(this.#parsedText);
              if (!this.#deliverValue(value, this.#base + pos, line, false)) return;
              this.#atLineStart = false;
              pos = close + 1;
              continue;
            }
          }
        }

        // Otherwise scan for the end of the object, from a buffer that starts with it.
        this.#consume(pos);
        buf = this.#buf;
        pos = 0;
        this.#inObject = true;
        this.#objectLine = this.#line;
        this.#scanPos = 0;
        this.#depth = 0;
        this.#inString = false;
        this.#newlines = 0;
        continue;
      }

      // Anything else up to the end of the line is text, with its indentation.
      const newline = buf.indexOf(NEWLINE, pos);
      if (newline < 0 && !final) break;
      const start = this.#atLineStart ? this.#lineStart(buf, pos) : pos;
      const stop = newline < 0 ? buf.length : newline;
      if (!this.#addText(buf, start, stop)) return;
      pos = stop;
    }
    if (this.error) return;
    this.#consume(this.#atLineStart ? this.#lineStart(buf, pos) : pos);
  }

  // Where the current line starts, looking back over blank space from `pos`.
  #lineStart(buf: Uint8Array, pos: number): number {
    let start = pos;
    while (start > 0 && (buf[start - 1] === SPACE || buf[start - 1] === TAB)) start--;
    return start;
  }

  // The unconsumed bytes followed by the new chunk, in memory the reader keeps from chunk to chunk:
  // a new array per chunk would leave the garbage collector much more to do.
  #join(rest: Uint8Array, chunk: Uint8Array): Uint8Array {
    const length = rest.length + chunk.length;
    let store = this.#store;
    if (length > store.length || (store.length > 4 * length && store.length > 1024 * 1024)) {
      // Grow by doubling, and give memory back after an object far larger than the chunks.
      store = new Uint8Array(Math.max(length, Math.min(2 * store.length, 4 * length)));
      store.set(rest, 0);
      this.#store = store;
    } else if (rest.buffer === store.buffer) {
      store.copyWithin(
        0,
        rest.byteOffset - store.byteOffset,
        rest.byteOffset - store.byteOffset + rest.length,
      );
    } else {
      store.set(rest, 0);
    }
    store.set(chunk, rest.length);
    return store.subarray(0, length);
  }

  // Drops the first `count` bytes of the buffer, keeping offsets right.
  #consume(count: number): void {
    if (count === 0) return;
    this.#base += count;
    this.#buf = count >= this.#buf.length ? new Uint8Array(0) : this.#buf.subarray(count);
  }

  // Scans the object at the start of the buffer; returns the index of its closing byte, or -1.
  #scanObject(buf: Uint8Array, final: boolean): number {
    let i = this.#scanPos;
    let depth = this.#depth;
    let inString = this.#inString;
    let newlines = this.#newlines;
    const length = buf.length;
    while (i < length) {
      if (inString) {
        // Jump to the next quote; it closes the string unless an odd run of backslashes escapes it.
        const quote = buf.indexOf(QUOTE, i);
        if (quote < 0) {
          i = length;
          break;
        }
        let slashes = 0;
        for (let k = quote - 1; k >= 0 && buf[k] === BACKSLASH; k--) slashes++;
        i = quote + 1;
        if (slashes % 2 === 0) inString = false;
        continue;
      }
      const byte = buf[i];
      if (byte === QUOTE) {
        inString = true;
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        depth++;
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          this.#newlines = newlines;
          return i;
        }
      } else if (byte === NEWLINE) {
        newlines++;
      }
      i++;
    }
    this.#scanPos = i;
    this.#depth = depth;
    this.#inString = inString;
    this.#newlines = newlines;
    if (final) this.#truncated();
    return -1;
  }

  #truncated(): void {
    if (this.error) return;
    const end = this.#base + this.#buf.length;
    this.#fail(
      `the stream ends at byte ${end} inside a JSON object that starts here: ` +
        "the output was cut short (was the build interrupted?)",
      this.#base,
      this.#objectLine,
    );
  }

  // The text `#tryParse` parsed last, for counting its lines.
  #parsedText = "";

  // The buffer decoded in one go, from stream offset `#ascii.from` up to `to`: one call instead of
  // one per object. Only ASCII is kept (`text` is undefined otherwise), because only there is a
  // character index also a byte offset.
  #ascii: { from: number; to: number; text: string | undefined } = { from: 0, to: 0, text: "" };

  // Parses buf[start, end) as JSON, or returns undefined when it is not valid JSON.
  #tryParse(buf: Uint8Array, start: number, end: number): unknown {
    try {
      this.#parsedText = this.#textOf(buf, start, end);
      return JSON.parse(this.#parsedText);
    } catch {
      return undefined;
    }
  }

  // Decodes buf[start, end), from the text decoded ahead when it covers it; throws on bad UTF-8.
  #textOf(buf: Uint8Array, start: number, end: number): string {
    const from = this.#base + start;
    const to = this.#base + end;
    let ascii = this.#ascii;
    if (from < ascii.from || to > ascii.to) {
      // Decode up to the last complete line in reach, which cannot end inside a character. The
      // reach is kept under what V8 allocates as a large object, which costs far more to collect.
      const last = buf.lastIndexOf(NEWLINE, start + DECODE_AHEAD);
      if (last < end) return this.#decoder.decode(buf.subarray(start, end));
      let text: string | undefined;
      try {
        text = this.#decoder.decode(buf.subarray(start, last));
      } catch {
        text = undefined;
      }
      if (text !== undefined && text.length !== last - start) text = undefined;
      ascii = { from, to: this.#base + last, text };
      this.#ascii = ascii;
    }
    if (ascii.text === undefined) return this.#decoder.decode(buf.subarray(start, end));
    return ascii.text.slice(from - ascii.from, to - ascii.from);
  }

  // Parses and delivers the object buf[start, end) that began on `line`; false after an error.
  #deliverObject(buf: Uint8Array, start: number, end: number, line: number, single: boolean) {
    const bytes = buf.subarray(start, end);
    let text: string;
    try {
      text = this.#decoder.decode(bytes);
    } catch {
      const bad = firstInvalidUtf8(bytes);
      const at = this.#base + start + bad;
      return this.#fail("invalid UTF-8 inside a JSON object: binary data?", at, line);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      // Say where it goes wrong, and what was expected there, in bytes and lines of the file.
      const problem = findJsonError(text);
      const position = problem?.index ?? text.length;
      const before = text.slice(0, position);
      const reason = problem
        ? `malformed JSON: expected ${problem.expected}`
        : `malformed JSON: ${error instanceof Error ? error.message : String(error)}`;
      return this.#fail(
        reason,
        this.#base + start + new TextEncoder().encode(before).length,
        line + countNewlines(before),
      );
    }
    const offset = this.#base + start;
    this.#line += this.#newlines;
    return this.#deliverValue(value, offset, line, single);
  }

  // Checks that a parsed value is a SolveStatus and delivers it; false after an error.
  #deliverValue(value: unknown, offset: number, line: number, single: boolean): boolean {
    const problem = checkSolveStatus(value);
    if (problem) return this.#fail(problem, offset, line);
    if (this.shape === "empty") this.shape = single ? "lines" : "pretty";
    this.objects++;
    this.#onEvent({
      kind: "status",
      status: value as SolveStatus,
      offset,
      line,
      shape: single ? "lines" : "pretty",
    });
    return true;
  }

  // Adds the text buf[start, stop) as a line of the pending text event; false after an error.
  #addText(buf: Uint8Array, start: number, stop: number): boolean {
    const bytes = buf.subarray(start, stop);
    const offset = this.#base + start;
    const nul = bytes.indexOf(0);
    if (nul >= 0) {
      return this.#fail(
        "a NUL byte outside JSON: binary data, not BuildKit progress",
        offset + nul,
        this.#line,
      );
    }
    let text: string;
    try {
      text = this.#decoder.decode(bytes);
    } catch {
      return this.#fail(
        "invalid UTF-8 outside JSON: binary data, not BuildKit progress",
        offset + firstInvalidUtf8(bytes),
        this.#line,
      );
    }
    if (text.endsWith("\r")) text = text.slice(0, -1);
    if (this.#text.length === 0) {
      this.#textOffset = offset;
      this.#textLine = this.#line;
    }
    this.#text.push(text);
    this.#textSize += text.length;
    this.#atLineStart = false;
    if (this.#textSize >= MAX_TEXT_EVENT) this.#flushText();
    return true;
  }

  #flushText(): void {
    if (this.#text.length === 0) return;
    const text = this.#text.join("\n");
    this.#text = [];
    this.#textSize = 0;
    this.#onEvent({ kind: "text", text, offset: this.#textOffset, line: this.#textLine });
  }

  #fail(reason: string, offset: number, line: number): false {
    this.#flushText();
    this.error = new ProgressParseError(reason, { file: this.file, offset, line });
    this.#buf = new Uint8Array(0);
    this.#onError?.(this.error);
    return false;
  }
}

/** Says what is wrong when a parsed JSON value is not a BuildKit SolveStatus. */
export function checkSolveStatus(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const kind = Array.isArray(value) ? "an array" : value === null ? "null" : typeof value;
    return `expected a BuildKit SolveStatus object, got ${kind}`;
  }
  // Listing the keys costs more than asking for the four known ones, so do that only when needed.
  const keys = hasKnownKey(value) ? [] : Object.keys(value);
  if (keys.length > 0) {
    const shown = keys.slice(0, 5).join(", ");
    return (
      `expected a BuildKit SolveStatus with vertexes, statuses, logs or warnings, ` +
      `got an object with ${shown}: not BuildKit progress`
    );
  }
  const status = value as Record<string, unknown>;
  for (const key of KNOWN_KEYS) {
    const list = status[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) return `expected "${key}" to be an array, got ${typeof list}`;
    for (const item of list) {
      const problem = checkItem(key, item);
      if (problem) return problem;
    }
  }
  return undefined;
}

function hasKnownKey(value: object): boolean {
  for (const key of KNOWN_KEYS) if (Object.hasOwn(value, key)) return true;
  return false;
}

// Checks the one field each kind of entry cannot do without.
function checkItem(key: string, item: unknown): string | undefined {
  if (item === null || typeof item !== "object") return `expected objects in "${key}"`;
  const entry = item as Record<string, unknown>;
  const field = key === "vertexes" ? "digest" : "vertex";
  if (typeof entry[field] !== "string") {
    return `expected each entry of "${key}" to have a string "${field}"`;
  }
  if (key === "statuses" && typeof entry.id !== "string") {
    return `expected each entry of "statuses" to have a string "id"`;
  }
  return undefined;
}

// Chunks as plain byte arrays: a Node Buffer becomes a view of the same memory, so the scanning
// code only ever sees one kind of array and stays fast.
function asPlainBytes(chunk: Uint8Array | string): Uint8Array {
  if (typeof chunk === "string") return new TextEncoder().encode(chunk);
  if (Object.getPrototypeOf(chunk) === Uint8Array.prototype) return chunk;
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

// Whether a line ends at `pos` (a newline, or a return and a newline).
function lineEndsAt(buf: Uint8Array, pos: number): boolean {
  return buf[pos] === NEWLINE || (buf[pos] === RETURN && buf[pos + 1] === NEWLINE);
}

// The first closing brace after `from` at the very start of a line, or -1.
function braceAtLineStart(buf: Uint8Array, from: number): number {
  for (let i = buf.indexOf(CLOSE_BRACE, from); i > from; i = buf.indexOf(CLOSE_BRACE, i + 1)) {
    if (buf[i - 1] === NEWLINE) return i;
  }
  return -1;
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) count++;
  return count;
}

// Finds where UTF-8 decoding first fails, by decoding ever longer prefixes in steps.
function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let good = 0;
  for (let i = 0; i < bytes.length; i++) {
    // A lead byte starts a new character: everything before it must decode on its own.
    if ((bytes[i] & 0xc0) !== 0x80) {
      try {
        decoder.decode(bytes.subarray(good, i));
        good = i;
      } catch {
        return good;
      }
    }
  }
  try {
    decoder.decode(bytes.subarray(good));
    return bytes.length;
  } catch {
    return good;
  }
}

/** Reads a whole stream of chunks into events; what was read before an error is kept. */
export async function parseStream(
  chunks: AsyncIterable<Uint8Array | string>,
  options: { file?: string; onEvent: (event: ProgressEvent) => void },
): Promise<ProgressParser> {
  const parser = new ProgressParser(options);
  for await (const chunk of chunks) {
    parser.push(chunk);
    if (parser.error) break;
  }
  parser.end();
  return parser;
}
