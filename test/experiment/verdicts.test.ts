import assert from "node:assert/strict";
import { test } from "node:test";
import type { BuildRecord, Cell, VertexOutcome } from "../../lib/experiment/types.ts";
import { computeVerdicts, opportunities, stepOutcome } from "../../lib/experiment/verdicts.ts";
import { scenario } from "../../lib/scenarios/scenarios.ts";

const controlled = scenario("controlled");
const cell: Cell = { scenario: "controlled", variant: "link", backend: "inline", builder: "b1" };

function vertex(
  instruction: string,
  role: VertexOutcome["role"],
  cached: boolean,
  extra: Partial<VertexOutcome> = {},
): VertexOutcome {
  return {
    digest: `sha256:${role}-${instruction}-${cached}`,
    name: `[x/3] ${role === "link-merge" ? "LINK " : ""}${instruction}`,
    instruction,
    role,
    cached,
    cachedEver: cached,
    displayCached: false,
    canceled: false,
    ...extra,
  };
}

/** A build record with the given copy outcomes for `foo.txt` and `bar.txt`. */
function record(
  build: string,
  foo: boolean,
  bar: boolean,
  extra: Partial<BuildRecord> = {},
): BuildRecord {
  return {
    cell,
    build,
    command: [],
    dockerfile: "",
    files: {},
    startedAt: "2026-12-03T00:00:00Z",
    endedAt: "2026-12-03T00:00:01Z",
    durationMs: 1000,
    exitCode: 0,
    outcome: "ok",
    streamFile: `${build}.rawjson`,
    vertices: [
      vertex("COPY --link foo.txt /", "link-copy", foo),
      vertex("COPY --link foo.txt /", "link-merge", false),
      vertex("COPY --link bar.txt /", "link-copy", bar),
      vertex("COPY --link bar.txt /", "link-merge", false),
    ],
    ...extra,
  };
}

test("opportunities: a later layer whose input is kept while one below changed", () => {
  const byId = (id: string) => controlled.builds.find((b) => b.id === id)!;
  assert.deepEqual(opportunities(controlled, byId("A"), "link"), []);
  // B keeps foo (the first layer) and changes bar: nothing above a change is kept.
  assert.deepEqual(opportunities(controlled, byId("B"), "link"), []);
  assert.deepEqual(opportunities(controlled, byId("C"), "link"), [
    {
      build: "C",
      source: "A",
      layer: 1,
      instruction: "COPY --link bar.txt /",
      changedBelow: "COPY --link foo.txt /",
    },
  ]);
  assert.equal(
    opportunities(controlled, byId("C-control"), "plain")[0].instruction,
    "COPY bar.txt /",
  );

  // The write-up's C (baz, baz) from A: A never held baz as its second file.
  const seed = scenario("seed");
  assert.deepEqual(opportunities(seed, seed.builds.find((b) => b.id === "C-writeup")!, "link"), []);

  // A new base changes what lies below every layer.
  const rebase = scenario("rebase");
  const r = opportunities(rebase, rebase.builds.find((b) => b.id === "R")!, "link");
  assert.deepEqual(
    r.map((o) => [o.layer, o.changedBelow]),
    [
      [0, "base"],
      [1, "base"],
    ],
  );

  // The slow stage's file is kept while foo.txt changes below it.
  const slow = scenario("slow-stage");
  const s = opportunities(slow, slow.builds.find((b) => b.id === "B")!, "link");
  assert.deepEqual(
    s.map((o) => o.instruction),
    ["COPY --link --from=slow /slow.txt /"],
  );
});

test("stepOutcome tells reused, merge-only, matched-then-rebuilt, rebuilt and missing apart", () => {
  const base = record("C", false, true);
  assert.equal(stepOutcome(base, "COPY --link bar.txt /"), "merge-only");
  base.vertices[3].cached = true;
  assert.equal(stepOutcome(base, "COPY --link bar.txt /"), "reused");
  assert.equal(stepOutcome(base, "COPY --link foo.txt /"), "rebuilt");
  base.vertices[0].cachedEver = true;
  assert.equal(stepOutcome(base, "COPY --link foo.txt /"), "matched-then-rebuilt");
  assert.equal(stepOutcome(base, "COPY --link nothing /"), "missing");
});

test("claim a holds only when every later layer was reused", () => {
  const builds = [
    record("A", false, false),
    record("B", true, false),
    record("C", false, true),
    record("C-control", false, true),
  ];
  const a = computeVerdicts([controlled], builds).find((v) => v.claim === "a")!;
  assert.equal(a.result, "holds", a.summary);
  assert.equal(a.evidence.length, 2);
  assert.match(a.evidence[0].fact, /copy cached, LINK merge executed/);

  builds[3] = record("C-control", false, false);
  const b = computeVerdicts([controlled], builds).find((v) => v.claim === "a")!;
  assert.equal(b.result, "does-not-hold");
  assert.equal(b.summary, "1 of 2 later layers reused (1 merge-only, 1 rebuilt)");
});

test("claim c finds a blob uploaded again, and claim d a reuse the display hides", () => {
  const push = (uploaded: string[], present: string[]) => ({
    repository: "r",
    tag: "t",
    requests: [],
    uploaded,
    present,
    mounted: [],
  });
  const builds = [
    record("A", false, false, { push: push(["sha256:1", "sha256:2"], []) }),
    record("B", true, false, { push: push(["sha256:3"], ["sha256:1"]) }),
    record("C", false, true, { push: push(["sha256:2", "sha256:4"], ["sha256:1"]) }),
    record("C-control", false, true),
  ];
  const verdicts = computeVerdicts([controlled], builds);
  const c = verdicts.find((v) => v.claim === "c")!;
  assert.equal(c.result, "does-not-hold");
  assert.match(c.evidence[2].fact, /uploaded again: 2/);
  const d = verdicts.find((v) => v.claim === "d")!;
  assert.equal(d.result, "does-not-hold", "the copies were cached but displayCached is false");
});

test("a refused backend makes every claim of its cell not applicable, saying why", () => {
  const refused = record("A", false, false, {
    outcome: "unsupported",
    exitCode: 1,
    errorText: "ERROR: failed to build: Cache export is not supported for the docker driver.",
    vertices: [],
  });
  const verdicts = computeVerdicts([controlled], [refused]);
  assert.equal(verdicts.length, 4);
  for (const v of verdicts) {
    assert.equal(v.result, "not-applicable");
    assert.match(
      v.summary,
      /refused the inline cache backend: ERROR: failed to build: Cache export/,
    );
  }
});
