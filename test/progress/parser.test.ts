import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseTraceFile, parseTraceText } from "../../lib/progress/file.ts";
import { type ProgressEvent, ProgressParser } from "../../lib/progress/parser.ts";
import { recordedStreams } from "./helpers.ts";

const encoder = new TextEncoder();

/** Feeds bytes in chunks of the given sizes (cycling), and returns what came out. */
function parseInChunks(bytes: Uint8Array, sizes: number[]) {
  const events: ProgressEvent[] = [];
  const parser = new ProgressParser({ file: "test.json", onEvent: (e) => events.push(e) });
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length];
    parser.push(bytes.subarray(at, at + size));
    at += size;
  }
  parser.end();
  return { events, parser };
}

const vertex = (digest: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ vertexes: [{ digest, name: `step ${digest}`, ...extra }] });

test("every recorded stream parses, in both shapes", async () => {
  const shapes = new Set<string>();
  for (const stream of recordedStreams()) {
    const trace = await parseTraceFile(stream.file);
    assert.equal(trace.parseError, undefined, `${stream.builder}/${stream.name}`);
    assert.ok(trace.vertices.length > 0, `${stream.builder}/${stream.name} has vertices`);
    shapes.add(trace.shape);
  }
  assert.deepEqual([...shapes].sort(), ["lines", "pretty"]);
});

test("any chunking gives the same events as one chunk", () => {
  for (const stream of recordedStreams().filter((s) => s.name === "fail-missing-file")) {
    const bytes = new Uint8Array(readFileSync(stream.file));
    const whole = parseInChunks(bytes, [bytes.length]).events;
    assert.ok(whole.some((event) => event.kind === "text"));
    for (const sizes of [[1], [7, 3, 1000], [4096]]) {
      const { events, parser } = parseInChunks(bytes, sizes);
      assert.equal(parser.error, undefined);
      assert.deepEqual(events, whole, `${stream.builder} in chunks of ${sizes}`);
    }
  }
});

test("pretty-printed objects with braces and escaped quotes inside strings", () => {
  const text =
    '{\n  "vertexes": [\n    {\n      "digest": "sha256:a",\n' +
    '      "name": "RUN echo \\"}\\" { \\\\"\n    }\n  ]\n}\n' +
    '{\n  "vertexes": [\n    {\n      "digest": "sha256:b",\n      "name": "b"\n    }\n  ]\n}\n';
  const { events, parser } = parseInChunks(encoder.encode(text), [5]);
  assert.equal(parser.error, undefined);
  assert.equal(parser.shape, "pretty");
  assert.deepEqual(
    events.map((e) => (e.kind === "status" ? [e.line, e.offset, e.status.vertexes?.[0].name] : e)),
    [
      [1, 0, 'RUN echo "}" { \\'],
      [9, text.lastIndexOf('{\n  "vertexes"'), "b"],
    ],
  );
});

test("one object per line, with CRLF line ends and blank lines", () => {
  const text = `${vertex("a")}\r\n\r\n${vertex("b")}\r\n`;
  const trace = parseTraceText(text);
  assert.equal(trace.parseError, undefined);
  assert.equal(trace.shape, "lines");
  assert.deepEqual(
    trace.vertices.map((v) => v.digest),
    ["a", "b"],
  );
});

test("text between and after objects becomes text events, indentation kept", () => {
  const text = `${vertex("a")}\nDockerfile:3\n   1 | >>> COPY x /\nERROR: failed to solve\n`;
  const trace = parseTraceText(text);
  assert.equal(trace.parseError, undefined);
  assert.deepEqual(trace.text, [
    {
      text: "Dockerfile:3\n   1 | >>> COPY x /\nERROR: failed to solve",
      offset: vertex("a").length + 1,
      line: 2,
    },
  ]);
});

test("malformed JSON names the file, byte offset and line, and keeps what came before", () => {
  const first = vertex("a");
  const text = `${first}\n{"vertexes": [ , ]}\n${vertex("c")}\n`;
  const trace = parseTraceText(text, "build.json");
  assert.deepEqual(
    trace.vertices.map((v) => v.digest),
    ["a"],
  );
  assert.ok(trace.parseError);
  assert.equal(trace.parseError.file, "build.json");
  assert.equal(trace.parseError.line, 2);
  assert.equal(trace.parseError.offset, first.length + 1 + '{"vertexes": [ '.length);
  assert.match(
    trace.parseError.message,
    /^build\.json: byte \d+ \(line 2\): malformed JSON: expected a value$/,
  );
});

test("a stream cut inside an object is reported as truncated", () => {
  for (const stream of recordedStreams().filter((s) => s.name === "cold")) {
    const bytes = new Uint8Array(readFileSync(stream.file));
    const whole = parseTraceText(bytes);
    const cut = parseTraceText(bytes.subarray(0, Math.floor(bytes.length * 0.6)), "cut.json");
    assert.ok(cut.parseError, stream.builder);
    assert.match(cut.parseError.message, /cut\.json: .*ends at byte \d+ inside a JSON object/);
    assert.ok(cut.vertices.length > 0 && cut.vertices.length <= whole.vertices.length);
    assert.ok(cut.parseError.line > 1);
  }
});

test("an empty stream says so", () => {
  const trace = parseTraceText("", "empty.json");
  assert.equal(trace.shape, "empty");
  assert.deepEqual(trace.vertices, []);
  assert.match(trace.parseError?.message ?? "", /empty\.json: .*the stream is empty/);
});

test("text alone is not a progress stream", () => {
  const trace = parseTraceText("ERROR: unknown flag: --progresss\n");
  assert.deepEqual(
    trace.text.map((t) => t.text),
    ["ERROR: unknown flag: --progresss"],
  );
  assert.match(trace.parseError?.message ?? "", /no JSON progress objects, only text/);
});

test("binary input is refused with the offset of the first bad byte", () => {
  const head = encoder.encode(`${vertex("a")}\n`);
  const bytes = new Uint8Array([...head, 0x7f, 0x45, 0x4c, 0x46, 0x02, 0x00, 0xff, 0x0a]);
  const trace = parseTraceText(bytes, "a.out");
  assert.equal(trace.vertices.length, 1);
  assert.equal(trace.parseError?.offset, head.length + 5);
  assert.match(trace.parseError?.message ?? "", /NUL byte outside JSON: binary data/);

  const latin1 = new Uint8Array([...head, 0x63, 0x61, 0x66, 0xe9, 0x0a]);
  const bad = parseTraceText(latin1);
  assert.equal(bad.parseError?.offset, head.length + 3);
  assert.match(bad.parseError?.message ?? "", /invalid UTF-8/);
});

test("JSON that is not BuildKit progress is refused", () => {
  const cases: [string, RegExp][] = [
    ['{"name": "buildkit-merge-test", "version": "0.1.0"}\n', /got an object with name, version/],
    ["[1, 2, 3]\n", /got an array/],
    ['{"vertexes": {"digest": "a"}}\n', /"vertexes" to be an array/],
    ['{"vertexes": [{"name": "no digest"}]}\n', /string "digest"/],
    ['{"statuses": [{"vertex": "a"}]}\n', /string "id"/],
  ];
  for (const [text, reason] of cases) {
    const trace = parseTraceText(`${vertex("a")}\n${text}`);
    assert.equal(trace.vertices.length, 1, text);
    assert.match(trace.parseError?.message ?? "", reason, text);
    assert.match(trace.parseError?.message ?? "", /\(line 2\)/, text);
  }
  // An empty SolveStatus is still one.
  assert.equal(parseTraceText(`{}\n${vertex("a")}\n`).parseError, undefined);
});

test("nothing is delivered after the first error", () => {
  const events: ProgressEvent[] = [];
  const parser = new ProgressParser({ onEvent: (e) => events.push(e) });
  parser.push(`${vertex("a")}\n{oops}\n`);
  parser.push(`${vertex("b")}\n`);
  parser.end();
  assert.equal(events.length, 1);
  assert.match(parser.error?.message ?? "", /^<stream>: byte \d+ \(line 2\)/);
});
