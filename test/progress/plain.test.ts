import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseTraceFile } from "../../lib/progress/file.ts";
import { formatUnits, readPlainRows, renderPlain } from "../../lib/progress/plain.ts";
import { formatSummary } from "../../lib/progress/summary.ts";
import { assertSnapshot, recordedStreams } from "./helpers.ts";

test("the plain rendering shows BuildKit's rows, numbers and markers for every twin", async () => {
  for (const stream of recordedStreams()) {
    const ours = renderPlain(await parseTraceFile(stream.file));
    const theirs = readFileSync(stream.plainFile, "utf8");
    assert.deepEqual(
      readPlainRows(ours),
      readPlainRows(theirs),
      `${stream.builder}/${stream.name}: rows differ from BuildKit's plain twin`,
    );
  }
});

test("the plain rendering and the summary match their expected files", async () => {
  for (const stream of recordedStreams()) {
    const trace = await parseTraceFile(stream.file);
    const base = stream.file.replace(/\.json$/, "");
    const description = 'building with "default" instance using docker driver';
    assertSnapshot(renderPlain(trace, { description }), `${base}.expected.plain.txt`);
    assertSnapshot(formatSummary(trace, `${stream.builder}/${stream.name}`), `${base}.summary.txt`);
  }
});

test("a failed row repeats with its logs after the rows, then buildx's text follows", async () => {
  const stream = recordedStreams().find(
    (s) => s.builder === "sid-containerd" && s.name === "fail-missing-file",
  )!;
  const text = renderPlain(await parseTraceFile(stream.file));
  assert.match(
    text,
    /#4 ERROR: failed to calculate checksum of ref .*"\/missing\.txt": not found\n/,
  );
  assert.match(text, /\n------\n > \[2\/2\] COPY missing\.txt \/:\n------\nDockerfile:3\n/);
  assert.match(text, /ERROR: failed to build: failed to solve: .*\n$/);
});

test("a cached row says CACHED and a group is cached only when all of it is", async () => {
  const rows = (builder: string, name: string) => {
    const stream = recordedStreams().find((s) => s.builder === builder && s.name === name)!;
    return parseTraceFile(stream.file).then((t) => readPlainRows(renderPlain(t)));
  };
  const hit = await rows("sid-containerd", "cache-hit");
  assert.deepEqual(hit.at(-1), {
    number: 4,
    name: "[2/2] COPY --link bar.txt /",
    marker: "CACHED",
  });
  const rebase = await rows("sid-containerd", "link-rebase");
  assert.deepEqual(rebase.at(-1), {
    number: 4,
    name: "[2/2] COPY --link bar.txt /",
    marker: "DONE",
  });
});

test("readPlainRows reads rows, markers and leaves out buildx's #0 line", () => {
  const text = [
    '#0 building with "default" instance using docker driver',
    "",
    "#1 [internal] load build definition from Dockerfile",
    "#1 transferring dockerfile: 94B done",
    "#1 DONE 0.0s",
    "",
    "#2 [1/2] RUN sleep 10",
    "#2 ...",
    "",
    "#3 [2/2] COPY a /",
    "#3 CACHED",
    "",
    "#2 [1/2] RUN sleep 10",
    "#2 CANCELED",
  ].join("\n");
  assert.deepEqual(readPlainRows(text), [
    { number: 1, name: "[internal] load build definition from Dockerfile", marker: "DONE" },
    { number: 2, name: "[1/2] RUN sleep 10", marker: "CANCELED" },
    { number: 3, name: "[2/2] COPY a /", marker: "CACHED" },
  ]);
});

test("byte counts use the displays' decimal units", () => {
  assert.equal(formatUnits(78), "78B");
  assert.equal(formatUnits(1234), "1.23kB");
  assert.equal(formatUnits(34_500_000), "34.50MB");
});
