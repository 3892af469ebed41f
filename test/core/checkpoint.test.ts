import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { JsonCheckpoint } from "../../lib/core/checkpoint.ts";

test("a checkpoint joins changes into one write and flush writes at once", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "checkpoint-"));
  try {
    const file = path.join(dir, "results.json");
    const items: number[] = [];
    const checkpoint = new JsonCheckpoint(file, () => ({ items }), 100);
    await checkpoint.flush();
    assert.deepEqual(JSON.parse(await readFile(file, "utf8")), { items: [] });

    // Three changes within the interval: the file still shows none of them, then all three.
    for (const n of [1, 2, 3]) {
      items.push(n);
      checkpoint.touch();
    }
    assert.deepEqual(JSON.parse(await readFile(file, "utf8")), { items: [] });
    await sleep(300);
    assert.deepEqual(JSON.parse(await readFile(file, "utf8")), { items: [1, 2, 3] });

    items.push(4);
    checkpoint.touch();
    await checkpoint.flush();
    assert.deepEqual(JSON.parse(await readFile(file, "utf8")), { items: [1, 2, 3, 4] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a failed write surfaces on flush", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "checkpoint-"));
  try {
    // A file where a folder should be: the write cannot succeed.
    await writeFile(path.join(dir, "file"), "");
    const checkpoint = new JsonCheckpoint(path.join(dir, "file", "x.json"), () => ({}), 10);
    await assert.rejects(checkpoint.flush(), /ENOTDIR|EEXIST/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
