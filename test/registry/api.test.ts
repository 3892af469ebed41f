import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { type IndexEntry, platformEntry } from "../../lib/registry/api.ts";

const fixture = (name: string) => new URL(`../../fixtures/registry/${name}`, import.meta.url);

test("platformEntry picks an engine push's image and passes over its attestation", async () => {
  const index = JSON.parse(await readFile(fixture("index-engine-push.json"), "utf8")) as {
    manifests: IndexEntry[];
  };
  assert.equal(
    platformEntry(index.manifests, "linux/amd64")?.digest,
    "sha256:8426c67f384138c68bb9a8ba2e70c27ce721db127836021b003cf84fd5038065",
  );
  assert.equal(platformEntry(index.manifests, "unknown/unknown"), undefined);
  assert.equal(platformEntry(index.manifests, "linux/arm64"), undefined);
});
