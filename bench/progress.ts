/**
 * How fast the progress parser reads a large stream, and how much memory it needs, in both
 * framings. The streams are the recorded fixtures' JSON repeated to 200 MB and more. Speed is
 * given as a ratio to `JSON.parse` of the same objects in the same process; peak memory is
 * measured in a fresh child process per input size, so that one size cannot inflate another.
 *
 *   npm run bench -- progress
 */
import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdtemp, open, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Effects } from "../lib/core/effects.ts";
import { formatBytes, formatDuration } from "../lib/core/effects.ts";
import { type ProgressEvent, ProgressParser } from "../lib/progress/parser.ts";

const self = fileURLToPath(import.meta.url);
const fixtures = fileURLToPath(new URL("../fixtures/progress/", import.meta.url));
const MB = 1_000_000;
const LARGE = 200 * MB;
const SMALL = 20 * MB;

/** The real objects of one framing: their texts, and the bytes of them as the stream has them. */
interface Unit {
  shape: "lines" | "pretty";
  objects: string[];
  bytes: Uint8Array;
}

export async function run(effects: Effects): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "bench-progress-"));
  try {
    const results: string[] = [];
    for (const unit of await loadUnits()) {
      const large = path.join(dir, `${unit.shape}-large.json`);
      const small = path.join(dir, `${unit.shape}-small.json`);
      const largeBytes = await writeRepeated(large, unit, LARGE);
      const smallBytes = await writeRepeated(small, unit, SMALL);
      const repeats = largeBytes / unit.bytes.length;
      effects.log(`bench progress ${unit.shape}: ${formatBytes(largeBytes)} written`);

      // Speed: the parser from the file, the parser from memory, JSON.parse of the same objects,
      // and reading the file alone, which is part of the time from the file.
      const fromFile = await timeIt(() => parseFile(large));
      const fromMemory = await timeIt(async () => parseRepeated(unit, repeats));
      const baseline = await timeIt(async () => jsonParseRepeated(unit, repeats));
      const reading = await timeIt(() => readFileOnly(large));
      const rate = (ms: number) => largeBytes / MB / (ms / 1000);
      effects.log(
        `bench progress ${unit.shape}: parser ${rate(fromFile.ms).toFixed(0)} MB/s from file, ` +
          `${rate(fromMemory.ms).toFixed(0)} MB/s from memory, ` +
          `JSON.parse ${rate(baseline.ms).toFixed(0)} MB/s`,
      );
      if (fromFile.value !== fromMemory.value || fromMemory.value !== baseline.value) {
        throw new Error(
          `object counts differ: file ${fromFile.value}, memory ${fromMemory.value}, ` +
            `JSON.parse ${baseline.value}`,
        );
      }

      // Peak memory, each size in its own process.
      const peakSmall = peakMemory(small);
      const peakLarge = peakMemory(large);
      const idle = peakMemory(small, true);
      results.push(
        [
          `${unit.shape} (${unit.objects.length} real objects repeated, ${formatBytes(largeBytes)}):`,
          `  parser from file    ${rate(fromFile.ms).toFixed(0)} MB/s = ` +
            `${(baseline.ms / fromFile.ms).toFixed(2)} × JSON.parse (${formatDuration(fromFile.ms)})`,
          `  parser from memory  ${rate(fromMemory.ms).toFixed(0)} MB/s = ` +
            `${(baseline.ms / fromMemory.ms).toFixed(2)} × JSON.parse (${formatDuration(fromMemory.ms)})`,
          `  JSON.parse          ${rate(baseline.ms).toFixed(0)} MB/s (${formatDuration(baseline.ms)})`,
          `  reading the file    ${rate(reading.ms).toFixed(0)} MB/s, without parsing ` +
            `(${formatDuration(reading.ms)})`,
          `  peak RSS            ${formatBytes(peakSmall)} at ${formatBytes(smallBytes)}, ` +
            `${formatBytes(peakLarge)} at ${formatBytes(largeBytes)} ` +
            `(a process that only loads the parser: ${formatBytes(idle)})`,
        ].join("\n"),
      );
    }
    process.stdout.write(`progress parser, node ${process.version}\n${results.join("\n")}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The JSON part of every recorded stream of one framing (not the text after it), concatenated.
async function loadUnits(): Promise<Unit[]> {
  const units: Unit[] = [];
  for (const shape of ["lines", "pretty"] as const) {
    const objects: string[] = [];
    const chunks: Uint8Array[] = [];
    for (const builder of (await readdir(fixtures, { withFileTypes: true })).sort()) {
      if (!builder.isDirectory()) continue;
      for (const name of (await readdir(path.join(fixtures, builder.name))).sort()) {
        if (!name.endsWith(".json")) continue;
        const bytes = new Uint8Array(await readFile(path.join(fixtures, builder.name, name)));
        const events: ProgressEvent[] = [];
        const parser = new ProgressParser({ onEvent: (event) => events.push(event) });
        parser.push(bytes);
        parser.end();
        if (parser.shape !== shape) continue;
        const statuses = events.filter((event) => event.kind === "status");
        const text = events.find((event) => event.kind === "text");
        const end = text ? text.offset : bytes.length;
        chunks.push(bytes.subarray(0, end));
        const decoded = new TextDecoder().decode(bytes.subarray(0, end));
        statuses.forEach((event, i) => {
          const next = statuses[i + 1]?.offset ?? end;
          objects.push(decoded.slice(event.offset, next).trim());
        });
      }
    }
    const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    units.push({ shape, objects, bytes });
  }
  return units;
}

// Writes the unit again and again until the file holds at least `size` bytes.
async function writeRepeated(file: string, unit: Unit, size: number): Promise<number> {
  const repeats = Math.ceil(size / unit.bytes.length);
  const handle = await open(file, "w");
  try {
    // Write in blocks of about 4 MB rather than one unit at a time.
    const perBlock = Math.max(1, Math.floor((4 * MB) / unit.bytes.length));
    const block = new Uint8Array(unit.bytes.length * perBlock);
    for (let i = 0; i < perBlock; i++) block.set(unit.bytes, i * unit.bytes.length);
    let written = 0;
    for (let left = repeats; left > 0; left -= perBlock) {
      const count = Math.min(left, perBlock);
      await handle.write(block.subarray(0, count * unit.bytes.length));
      written += count * unit.bytes.length;
    }
    return written;
  } finally {
    await handle.close();
  }
}

// The file is read in chunks of 256 kB: in 64 kB chunks, reading alone takes most of the time
// JSON.parse needs for what it reads, which measures the stream machinery rather than the parser.
// Larger chunks read no faster, and their buffers are freed late enough to raise peak memory.
const READ_CHUNK = 256 * 1024;

// Streams a file through the parser, counting objects and keeping none of them.
async function parseFile(file: string): Promise<number> {
  let objects = 0;
  const parser = new ProgressParser({
    file,
    onEvent: (event) => {
      if (event.kind === "status") objects++;
    },
  });
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK })) {
    parser.push(chunk as Uint8Array);
  }
  parser.end();
  if (parser.error) throw parser.error;
  return objects;
}

// Reads a file the way `parseFile` does and only counts its bytes.
async function readFileOnly(file: string): Promise<number> {
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK })) {
    bytes += (chunk as Uint8Array).length;
  }
  return bytes;
}

// The parser fed from memory, in 64 kB chunks cut anywhere, as a pipe would deliver them.
function parseRepeated(unit: Unit, repeats: number): number {
  let objects = 0;
  const parser = new ProgressParser({
    onEvent: (event) => {
      if (event.kind === "status") objects++;
    },
  });
  const chunk = 64 * 1024;
  for (let i = 0; i < repeats; i++) {
    for (let at = 0; at < unit.bytes.length; at += chunk) {
      parser.push(unit.bytes.subarray(at, at + chunk));
    }
  }
  parser.end();
  if (parser.error) throw parser.error;
  return objects;
}

// JSON.parse of the same objects, already in memory as strings: the cost of parsing alone.
function jsonParseRepeated(unit: Unit, repeats: number): number {
  let objects = 0;
  for (let i = 0; i < repeats; i++) {
    for (const text of unit.objects) {
      if (JSON.parse(text) !== null) objects++;
    }
  }
  return objects;
}

async function timeIt<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const began = performance.now();
  const value = await work();
  return { value, ms: performance.now() - began };
}

// Runs this file as a child that parses one file (or only loads the parser) and reports its peak
// resident memory in bytes.
function peakMemory(file: string, idle = false): number {
  const args = [self, "--peak", file, ...(idle ? ["--idle"] : [])];
  const output = execFileSync(process.execPath, args, { encoding: "utf8" });
  return Number(output.trim());
}

// The child: parse, then print the peak resident set size (maxRSS is in kilobytes).
if (process.argv[2] === "--peak") {
  if (!process.argv.includes("--idle")) await parseFile(process.argv[3]);
  process.stdout.write(`${process.resourceUsage().maxRSS * 1024}\n`);
}
