import assert from "node:assert/strict";
import { test } from "node:test";
import type { VertexOutcome } from "../../lib/experiment/types.ts";
import {
  annotate,
  reconstructPlain,
  registryNamespace,
  shortenDigests,
} from "../../lib/report/logs.ts";
import { instructionOutcomes } from "../../lib/report/outcomes.ts";

function vertex(part: Partial<VertexOutcome> & { name: string }): VertexOutcome {
  return {
    digest: `sha256:${part.name.length}${part.role ?? ""}`,
    role: "plain",
    cached: false,
    displayCached: false,
    canceled: false,
    ...part,
  };
}

const from = vertex({
  name: "[1/2] FROM base",
  number: 1,
  cached: true,
  step: "[1/2]",
  instruction: "FROM base",
});
const copy = vertex({
  name: "[2/2] COPY --link bar.txt /",
  number: 2,
  role: "link-copy",
  cached: true,
  groupId: "g",
  step: "[2/2]",
  instruction: "COPY --link bar.txt /",
});
const merge = vertex({
  name: "[2/2] LINK COPY --link bar.txt /",
  number: 2,
  role: "link-merge",
  cached: false,
  groupId: "g",
  durationMs: 12,
  step: "[2/2]",
  instruction: "COPY --link bar.txt /",
});

test("a group printed without CACHED whose copy was cached is marked misleading", () => {
  const text = "#1 [1/2] FROM base\n#1 CACHED\n\n#2 [2/2] COPY --link bar.txt /\n#2 DONE 0.0s\n";
  const notes = annotate(text, [from, copy, merge]);
  assert.deepEqual(
    notes.map((n) => [n.line, n.kind]),
    [
      [2, "note"],
      [5, "misleading"],
    ],
  );
  assert.match(
    String(notes[1].note),
    /copy cached; LINK merge executed in 12ms: printed without CACHED/,
  );
});

test("errors are annotated in place, rows are matched by name when numbers differ", () => {
  const failed = vertex({ name: "exporting cache", number: 7, error: "<b>refused</b>" });
  const notes = annotate("#9 exporting cache\n#9 ERROR: refused\n", [failed]);
  assert.equal(notes.length, 1);
  assert.equal(notes[0].kind, "error");
  assert.equal(notes[0].line, 2);
  assert.match(String(notes[0].note), /Error: &lt;b&gt;refused&lt;\/b&gt;/);
});

test("reconstructPlain prints one row per number, a group as one row", () => {
  const text = reconstructPlain([from, copy, merge], "ERROR: later\n");
  assert.equal(
    text,
    "#1 [1/2] FROM base\n#1 CACHED\n\n#2 [2/2] COPY --link bar.txt /\n#2 DONE 0.0s\n\nERROR: later\n",
  );
});

test("instructionOutcomes tells reused, merge-only and rebuilt apart", () => {
  const build = (vertices: VertexOutcome[]) =>
    instructionOutcomes({ vertices } as Parameters<typeof instructionOutcomes>[0]).map(
      (o) => o.outcome,
    );
  assert.deepEqual(build([from, copy, merge]), ["merge-only"]);
  assert.deepEqual(build([from, copy, { ...merge, cached: true }]), ["reused"]);
  assert.deepEqual(build([from, { ...copy, cached: false }, merge]), ["rebuilt"]);
  assert.deepEqual(build([from, copy, { ...merge, error: "x" }]), ["failed"]);
});

test("rows that only repeat the display get no note; steps and cached-then-run vertices do", () => {
  const internal = vertex({ name: "[internal] load build context", number: 3, durationMs: 5 });
  const rerun = vertex({ name: "exporting cache", number: 4, cachedEver: true, durationMs: 7 });
  const text =
    "#1 [1/2] FROM base\n#1 CACHED\n\n#3 [internal] load build context\n#3 DONE 0.0s\n\n" +
    "#4 exporting cache\n#4 DONE 0.0s\n";
  const notes = annotate(text, [from, internal, rerun]);
  assert.deepEqual(
    notes.map((n) => [n.line, String(n.note)]),
    [
      [2, "cached"],
      [8, "reported cached, then executed in 7ms"],
    ],
  );
});

test("logs cut digests to 12 digits and can name the run's registry namespace once", () => {
  const digest = `sha256:${"0123456789ab".repeat(5)}cdef`;
  assert.equal(
    shortenDigests(`#5 resolve x@${digest} 0.1s done`),
    "#5 resolve x@sha256:0123456789ab… 0.1s done",
  );
  const push = (repository: string) =>
    ({
      push: { repository, tag: "a", requests: [], uploaded: [], present: [], mounted: [] },
    }) as never;
  assert.equal(
    registryNamespace("127.0.0.1:5000", [push("bkmt/run-1/seed-link"), push("bkmt/run-1/base")]),
    "127.0.0.1:5000/bkmt/run-1/",
  );
  assert.equal(registryNamespace("127.0.0.1:5000", [push("a/x"), push("b/y")]), undefined);
  assert.equal(registryNamespace("127.0.0.1:5000", []), undefined);
});
