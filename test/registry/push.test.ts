import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { readAccessLog } from "../../lib/registry/access-log.ts";
import { awaitPushEvidence, pushEvidence } from "../../lib/registry/push.ts";

const engineLog = fileURLToPath(
  new URL("../../fixtures/registry/access-engine-push.txt", import.meta.url),
);

// Byte ranges of the three pushes in the capture, see fixtures/README.md.
const secondPush = 4831;
const thirdPush = 7729;

const layerFoo = "sha256:b9a9b99b88018b5a90cd1251e9ad46931a2945fafb3c136cc53a2e2bb25a40bb";
const layerBar = "sha256:d200275409f51d5e7a8f3bf6b44c3d4153637b025b90b79a1ea037bdf7bb66b2";
const config = "sha256:ef0a49d94cb97735ca12c13512b70b2a04e0f1610275ee4e92fc48dead9f78f9";

async function requestsBetween(from: number, to?: number) {
  const { requests } = await readAccessLog(engineLog, from);
  if (to === undefined) return requests;
  const { requests: after } = await readAccessLog(engineLog, to);
  return requests.slice(0, requests.length - after.length);
}

test("a first push into an empty registry uploads every blob", async () => {
  const evidence = pushEvidence(await requestsBetween(0, secondPush), "capture/foobar", "1");
  assert.equal(evidence.uploaded.length, 5);
  for (const digest of [layerFoo, layerBar, config]) assert.ok(evidence.uploaded.includes(digest));
  assert.deepEqual(evidence.present, []);
  assert.deepEqual(evidence.mounted, []);
  assert.equal(evidence.requests.length, 21);
});

test("pushing the same build again finds its layers and config present", async () => {
  const evidence = pushEvidence(
    await requestsBetween(secondPush, thirdPush),
    "capture/foobar",
    "1",
  );
  assert.deepEqual(evidence.present, [layerFoo, config, layerBar]);
  // Only the provenance attestation, which records the build's time, is new.
  assert.deepEqual(evidence.uploaded, [
    "sha256:a3af77b695990fe54ff0f4ff2e2eda9fd2c88ea74f7826647789a44c4adae5bf",
    "sha256:111395d0a9eb79dbf93dddb6ecdf74c9e4c52358eff33ec1e99f276c142808d0",
  ]);
  assert.deepEqual(evidence.mounted, []);
});

test("a push to a second repository mounts the layers from the first", async () => {
  const evidence = pushEvidence(await requestsBetween(thirdPush), "capture/other", "1");
  assert.deepEqual(evidence.mounted, [layerBar, layerFoo]);
  assert.ok(evidence.uploaded.includes(config));
  assert.deepEqual(evidence.present, []);
  assert.ok(evidence.requests.every((request) => request.path.startsWith("/v2/capture/other/")));
});

test("pushEvidence counts only the named repository, and only blob requests", async () => {
  // After the third push only the GETs that fetched the manifest fixtures touch capture/foobar.
  const evidence = pushEvidence(await requestsBetween(thirdPush), "capture/foobar", "1");
  assert.deepEqual(
    evidence.requests.map((request) => request.method),
    ["GET", "GET", "GET"],
  );
  assert.deepEqual([evidence.uploaded, evidence.present, evidence.mounted], [[], [], []]);
});

test("awaitPushEvidence stops at the tag's manifest and says where to read on", async () => {
  const evidence = await awaitPushEvidence({
    accessLog: engineLog,
    fromOffset: secondPush,
    repository: "capture/foobar",
    tag: "1",
  });
  assert.deepEqual(evidence.present, [layerFoo, config, layerBar]);
  await assert.rejects(
    awaitPushEvidence({
      accessLog: engineLog,
      fromOffset: thirdPush,
      repository: "capture/foobar",
      tag: "2",
      timeoutMs: 100,
    }),
    /PUT \/v2\/capture\/foobar\/manifests\/2 within 100ms/,
  );
});
