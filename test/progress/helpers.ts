/** Shared by the progress tests: where the fixtures are, and file snapshots. */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const fixturesDir = fileURLToPath(new URL("../../fixtures/progress/", import.meta.url));

/** Every recorded stream: `{ builder, name, file, plainFile }`. */
export function recordedStreams() {
  const streams: { builder: string; name: string; file: string; plainFile: string }[] = [];
  for (const entry of readdirSync(fixturesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    for (const file of readdirSync(path.join(fixturesDir, entry.name)).sort()) {
      if (!file.endsWith(".json")) continue;
      const name = file.slice(0, -".json".length);
      streams.push({
        builder: entry.name,
        name,
        file: path.join(fixturesDir, entry.name, file),
        plainFile: path.join(fixturesDir, entry.name, `${name}.plain.txt`),
      });
    }
  }
  return streams;
}

/**
 * Compares output with a committed expected file. A missing file is written (outside CI); on a
 * mismatch the actual output goes to a `-changed` file beside it for review, and the test fails.
 * Under CI nothing is ever written over.
 */
export function assertSnapshot(actual: string, expectedFile: string): void {
  if (!existsSync(expectedFile)) {
    if (process.env.CI) assert.fail(`missing expected file ${expectedFile}`);
    writeFileSync(expectedFile, actual);
    return;
  }
  const expected = readFileSync(expectedFile, "utf8");
  if (actual === expected) return;
  const ext = path.extname(expectedFile);
  const changed = `${expectedFile.slice(0, -ext.length)}-changed${ext}`;
  if (!process.env.CI) writeFileSync(changed, actual);
  assert.equal(actual, expected, `output differs from ${expectedFile} (see ${changed})`);
}
