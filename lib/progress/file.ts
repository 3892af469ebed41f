/** Reads a captured progress stream from a file into the trace model. */
import { createReadStream } from "node:fs";
import { TraceBuilder } from "./model.ts";
import { ProgressParser } from "./parser.ts";
import type { Trace } from "./types.ts";

/**
 * Parses a `--progress=rawjson` capture. Never throws for what the file holds: a malformed or
 * truncated stream gives a trace with `parseError` set and everything read before it kept. It
 * throws only when the file cannot be read at all.
 */
export async function parseTraceFile(file: string): Promise<Trace> {
  const builder = new TraceBuilder();
  const parser = new ProgressParser({
    file,
    onEvent: (event) => builder.add(event),
    onError: (error) => builder.fail(error),
  });
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
    parser.push(chunk as Uint8Array);
    if (parser.error) break;
  }
  parser.end();
  return builder.trace();
}

/** Parses a whole stream held in memory, e.g. a test's input. */
export function parseTraceText(text: string | Uint8Array, file?: string): Trace {
  const builder = new TraceBuilder();
  const parser = new ProgressParser({
    ...(file === undefined ? {} : { file }),
    onEvent: (event) => builder.add(event),
    onError: (error) => builder.fail(error),
  });
  parser.push(text);
  parser.end();
  return builder.trace();
}
