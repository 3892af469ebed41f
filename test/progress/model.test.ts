import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTraceFile } from "../../lib/progress/file.ts";
import { mergeSpans, parseName, parseTimestamp, TraceBuilder } from "../../lib/progress/model.ts";
import type { SolveStatus } from "../../lib/progress/parser.ts";
import { fixturesDir } from "./helpers.ts";

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms)).toISOString();

function trace(...updates: SolveStatus[]) {
  const builder = new TraceBuilder();
  for (const update of updates) builder.addStatus(update);
  return builder.trace();
}

test("a vertex is merged across updates; a missing cached means false", () => {
  const t = trace(
    { vertexes: [{ digest: "a", name: "[1/2] COPY foo.txt /" }] },
    { vertexes: [{ digest: "a", name: "[1/2] COPY foo.txt /", started: at(0), cached: true }] },
    { vertexes: [{ digest: "a", name: "[1/2] COPY foo.txt /", started: at(0), completed: at(5) }] },
  );
  assert.equal(t.vertices.length, 1);
  const [a] = t.vertices;
  assert.equal(a.cached, false);
  assert.deepEqual(a.spans, [{ started: at(0), completed: at(5) }]);
  assert.equal(a.durationMs, 5);
  assert.equal(a.number, 1);
  assert.equal(a.step, "[1/2]");
  assert.equal(a.instruction, "COPY foo.txt /");
});

test("a re-announcement without a start does not undo what a started update said", () => {
  const t = trace(
    { vertexes: [{ digest: "a", name: "x", started: at(0), completed: at(1), cached: true }] },
    { vertexes: [{ digest: "a", name: "x" }] },
  );
  assert.equal(t.vertices[0].cached, true);
  assert.equal(t.vertices[0].completed, at(1));
});

test("a vertex can run more than once: spans are kept, durations summed without overlap", () => {
  const t = trace(
    {
      vertexes: [
        { digest: "a", name: "x", started: at(0), completed: at(10) },
        { digest: "a", name: "x", started: at(20) },
      ],
    },
    { vertexes: [{ digest: "a", name: "x", started: at(20), completed: at(50) }] },
  );
  assert.deepEqual(t.vertices[0].spans, [
    { started: at(0), completed: at(10) },
    { started: at(20), completed: at(50) },
  ]);
  assert.equal(t.vertices[0].durationMs, 40);
  assert.deepEqual(
    mergeSpans([
      { started: at(0), completed: at(10) },
      { started: at(5), completed: at(30) },
      { started: at(40) },
    ]),
    [{ started: at(0), completed: at(30) }, { started: at(40) }],
  );
});

test("errors, canceled vertices, statuses, logs and warnings", () => {
  const b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
  const t = trace(
    {
      vertexes: [
        { digest: "a", name: "a", started: at(0), completed: at(1), error: "not found" },
        { digest: "b", name: "b", started: at(0), completed: at(2), error: "x: context canceled" },
      ],
      statuses: [{ id: "sha256:1", vertex: "a", current: 10, total: 100, started: at(0) }],
      logs: [{ vertex: "a", stream: 2, data: b64("héllo\n"), timestamp: at(1) }],
      warnings: [{ vertex: "a", level: 1, short: b64("careful"), detail: [b64("line")] }],
    },
    { statuses: [{ id: "sha256:1", vertex: "a", current: 100, total: 100, completed: at(1) }] },
  );
  assert.equal(t.vertices[0].error, "not found");
  assert.equal(t.vertices[0].canceled, false);
  assert.equal(t.vertices[1].canceled, true);
  assert.deepEqual(t.statuses, [
    { id: "sha256:1", vertex: "a", current: 100, total: 100, started: at(0), completed: at(1) },
  ]);
  assert.equal(t.logs[0].text, "héllo\n");
  assert.equal(t.logs[0].stream, 2);
  assert.deepEqual(t.warnings, [{ vertex: "a", level: 1, short: "careful", detail: ["line"] }]);
});

test("link roles, progress groups and the display's cached-ness (copy cached, merge not)", async () => {
  const t = await parseTraceFile(`${fixturesDir}/sid-containerd/link-rebase.json`);
  const byRole = (role: string, step: string) =>
    t.vertices.find((v) => v.role === role && v.step === step)!;
  const copy = byRole("link-copy", "[2/2]");
  const merge = byRole("link-merge", "[2/2]");
  assert.equal(copy.cached, true);
  assert.equal(merge.cached, false);
  assert.equal(copy.displayCached, false);
  assert.equal(merge.displayCached, false);
  assert.equal(copy.number, merge.number);
  assert.equal(merge.instruction, "COPY --link bar.txt /");
  assert.deepEqual(merge.inputs.length, 2);
  assert.ok(merge.inputs.includes(copy.digest));

  // The first copy onto scratch has no merge: its group never gets a row.
  const first = byRole("link-copy", "[1/2]");
  assert.equal(first.number, undefined);
  const hidden = t.groups.find((g) => g.id === first.progressGroup?.id);
  assert.equal(hidden?.hidden, true);
  assert.deepEqual(
    t.groups.map((g) => [g.name, g.number, g.cached]),
    [
      ["[2/2] COPY --link bar.txt /", 4, false],
      ["[1/2] COPY --link foo.txt /", undefined, false],
    ],
  );
});

test("without MergeOp (graphdriver) a COPY --link is a plain copy", async () => {
  const t = await parseTraceFile(`${fixturesDir}/trixie-graphdriver/link-rebase.json`);
  assert.deepEqual(t.groups, []);
  assert.ok(t.vertices.every((v) => v.role === "plain"));
});

test("names give steps and instructions, LINK and stage names included", () => {
  assert.deepEqual(parseName("[stage-1 2/3] LINK COPY --link a /"), {
    step: "[stage-1 2/3]",
    instruction: "COPY --link a /",
  });
  assert.deepEqual(parseName("[internal] load build context"), {});
  assert.deepEqual(parseName("copy /bar.txt /", "[2/2] COPY --link bar.txt /"), {
    step: "[2/2]",
    instruction: "COPY --link bar.txt /",
  });
  assert.deepEqual(parseName("exporting to image"), {});
});

test("timestamps keep BuildKit's sub-millisecond digits", () => {
  const a = parseTimestamp("2026-12-03T15:48:24.018768268Z");
  const b = parseTimestamp("2026-12-03T15:48:24.020719821Z");
  // Epoch milliseconds in a double keep about a quarter of a microsecond.
  assert.ok(Math.abs(b - a - 1.951553) < 0.001);
  assert.equal(parseTimestamp("2026-12-03T15:48:24Z"), Date.UTC(2026, 11, 3, 15, 48, 24));
  assert.equal(
    parseTimestamp("2026-12-03T16:48:24.5+01:00"),
    Date.UTC(2026, 11, 3, 15, 48, 24, 500),
  );
});

test("a vertex reported cached, then started again and run, keeps both facts", () => {
  // The shape of a real capture (sid-containerd, registry cache, images pruned): the copy's cache
  // key matched, then the copy started again and ran.
  const name = "[3/3] COPY --link bar.txt /";
  const progressGroup = { id: "g", name, weak: true };
  const t = trace(
    { vertexes: [{ digest: "c", name, progressGroup }] },
    { vertexes: [{ digest: "c", name, started: at(0), cached: true, progressGroup }] },
    {
      vertexes: [
        { digest: "c", name, started: at(0), completed: at(1), cached: true, progressGroup },
      ],
    },
    { vertexes: [{ digest: "c", name, started: at(10), progressGroup }] },
    { vertexes: [{ digest: "c", name, started: at(10), completed: at(60), progressGroup }] },
  );
  const [c] = t.vertices;
  assert.equal(c.cached, false, "the last start ran it");
  assert.equal(c.cachedEver, true, "an earlier update said cached");
  assert.equal(c.spans.length, 2);

  const plain = trace({ vertexes: [{ digest: "d", name, started: at(0), completed: at(1) }] });
  assert.equal(plain.vertices[0].cachedEver, false);
});
