import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes, formatDuration, silentEffects, timed } from "../../lib/core/effects.ts";

test("formatDuration picks the unit a reader expects", () => {
  assert.equal(formatDuration(850), "850ms");
  assert.equal(formatDuration(12_345), "12.3s");
  assert.equal(formatDuration(125_000), "2m05s");
});

test("formatBytes uses decimal units", () => {
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(1234), "1.2 kB");
  assert.equal(formatBytes(34_500_000), "34.5 MB");
});

test("timed logs one line with the outcome and duration", async () => {
  let clock = 0;
  const effects = silentEffects({ now: () => clock });
  await timed(effects, "start engine", async () => {
    clock += 1500;
  });
  await assert.rejects(
    timed(effects, "start registry", async () => {
      clock += 200;
      throw new Error("boom");
    }),
  );
  assert.deepEqual(effects.lines, [
    "start engine → ok in 1.5s",
    "start registry → failed after 200ms",
  ]);
});
