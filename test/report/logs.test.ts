import assert from "node:assert/strict";
import { test } from "node:test";
import type { VertexOutcome } from "../../lib/experiment/types.ts";
import { annotate, reconstructPlain } from "../../lib/report/logs.ts";
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
