/**
 * The real registry, started and pushed to: blobs and manifests go up over the registry API the
 * way BuildKit's pusher sends them, and the access log must tell what happened.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { silentEffects } from "../../lib/core/effects.ts";
import { UserError } from "../../lib/core/errors.ts";
import { labTools } from "../../lib/lab/lab.ts";
import { accessLogSize } from "../../lib/registry/access-log.ts";
import { blobExists, inspectImage, listTags, mediaTypes } from "../../lib/registry/api.ts";
import { type RunningRegistry, registryAlive, startRegistry } from "../../lib/registry/process.ts";
import { awaitPushEvidence } from "../../lib/registry/push.ts";
import { pushBlob, pushManifest, sha256Digest } from "../../lib/registry/upload.ts";

/**
 * The `docker-registry` binary, from the lab's own package cache (downloaded on first use). If the
 * lab cannot provide it the test fails rather than skips: a skipped integration test would hide
 * that nothing was checked.
 */
async function registryBinary(): Promise<string> {
  return (await labTools(silentEffects())).registry;
}

let dir: string;
let registry: RunningRegistry;
const effects = silentEffects();

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "registry-test-"));
  registry = await startRegistry({ binary: await registryBinary(), dir, log: effects.log });
});

after(async () => {
  await registry?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A two-layer image in an OCI index beside an attestation manifest, as an engine pushes it. */
function testImage(seed: string) {
  const text = (value: string) => new TextEncoder().encode(value);
  const json = (value: unknown) => text(JSON.stringify(value));
  const layers = [`foo ${seed}`, `bar ${seed}`].map((content) => gzipSync(text(content)));
  const config = json({
    architecture: "amd64",
    os: "linux",
    rootfs: {
      type: "layers",
      diff_ids: [`foo ${seed}`, `bar ${seed}`].map((c) => sha256Digest(text(c))),
    },
  });
  const descriptor = (mediaType: string, bytes: Uint8Array) => ({
    mediaType,
    digest: sha256Digest(bytes),
    size: bytes.length,
  });
  const manifest = json({
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    config: descriptor("application/vnd.oci.image.config.v1+json", config),
    layers: layers.map((layer) => descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer)),
  });
  const statement = json({ _type: "https://in-toto.io/Statement/v0.1", seed });
  const attestationConfig = json({ architecture: "unknown", os: "unknown", rootfs: {} });
  const attestation = json({
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    config: descriptor("application/vnd.oci.image.config.v1+json", attestationConfig),
    layers: [descriptor("application/vnd.in-toto+json", statement)],
  });
  const index = json({
    schemaVersion: 2,
    mediaType: mediaTypes.ociIndex,
    manifests: [
      {
        ...descriptor(mediaTypes.ociManifest, manifest),
        platform: { architecture: "amd64", os: "linux" },
      },
      {
        ...descriptor(mediaTypes.ociManifest, attestation),
        annotations: {
          "vnd.docker.reference.digest": sha256Digest(manifest),
          "vnd.docker.reference.type": "attestation-manifest",
        },
        platform: { architecture: "unknown", os: "unknown" },
      },
    ],
  });
  return {
    blobs: [...layers, config, statement, attestationConfig],
    layers: layers.map(sha256Digest),
    manifests: [manifest, attestation],
    index,
  };
}

async function push(repository: string, tag: string, image: ReturnType<typeof testImage>) {
  for (const blob of image.blobs) await pushBlob(registry.address, repository, blob);
  for (const manifest of image.manifests) {
    await pushManifest(
      registry.address,
      repository,
      sha256Digest(manifest),
      mediaTypes.ociManifest,
      manifest,
    );
  }
  await pushManifest(registry.address, repository, tag, mediaTypes.ociIndex, image.index);
}

test("startRegistry logs one timed line; the registry is findable by its folder", async () => {
  assert.match(registry.address, /^127\.0\.0\.1:\d+$/);
  assert.ok(
    effects.lines.some((line) => line.startsWith(`start registry ${registry.address} → ok in`)),
  );
  const found = await registryAlive(dir);
  assert.equal(found?.pid, registry.pid);
  assert.equal(found?.address, registry.address);
  await assert.rejects(
    startRegistry({ binary: "/bin/false", dir }),
    (error) => error instanceof UserError && /Expected no registry running/.test(error.message),
  );
});

test("pushing the same image twice uploads nothing the second time", async () => {
  const repository = "run-test/pushed-twice";
  const image = testImage("twice");

  // The first push uploads every blob.
  const before1 = await accessLogSize(registry.accessLog);
  await push(repository, "1", image);
  const first = await awaitPushEvidence({
    accessLog: registry.accessLog,
    fromOffset: before1,
    repository,
    tag: "1",
  });
  const blobs = image.blobs.map(sha256Digest);
  assert.deepEqual(first.uploaded, blobs);
  assert.deepEqual(first.present, []);
  assert.deepEqual(first.mounted, []);

  // The second push finds every blob present and sends none.
  const second = await (async () => {
    const offset = await accessLogSize(registry.accessLog);
    await push(repository, "1", image);
    return awaitPushEvidence({
      accessLog: registry.accessLog,
      fromOffset: offset,
      repository,
      tag: "1",
    });
  })();
  assert.deepEqual(second.uploaded, []);
  assert.deepEqual(second.present, blobs);
  assert.deepEqual(second.mounted, []);
  assert.ok(second.requests.every((request) => request.method !== "POST"));
});

test("inspectImage resolves the index to the linux/amd64 image's layers", async () => {
  const repository = "run-test/inspected";
  const image = testImage("inspected");
  await push(repository, "v1", image);

  const evidence = await inspectImage(registry.address, repository, "v1");
  assert.deepEqual(evidence, {
    ref: `${registry.address}/${repository}:v1`,
    digest: sha256Digest(image.index),
    mediaType: mediaTypes.ociIndex,
    layers: image.layers,
  });

  // By digest, the platform manifest is the image itself.
  const byDigest = await inspectImage(
    registry.address,
    repository,
    sha256Digest(image.manifests[0]),
  );
  assert.deepEqual(byDigest.layers, image.layers);
  assert.equal(byDigest.mediaType, mediaTypes.ociManifest);

  await assert.rejects(
    inspectImage(registry.address, repository, "v1", "linux/arm64"),
    /offers linux\/amd64, unknown\/unknown \(attestation-manifest\)/,
  );
  await assert.rejects(
    inspectImage(registry.address, repository, "v2"),
    /got 404 MANIFEST_UNKNOWN/,
  );
  assert.deepEqual(await listTags(registry.address, repository), ["v1"]);
  assert.deepEqual(await listTags(registry.address, "run-test/never-pushed"), []);
  assert.equal(await blobExists(registry.address, repository, image.layers[0]), true);
  assert.equal(
    await blobExists(registry.address, repository, sha256Digest(new Uint8Array(1))),
    false,
  );
});

test("startRegistry names the log file when the process does not come up", async () => {
  const other = await mkdtemp(path.join(tmpdir(), "registry-test-"));
  try {
    await assert.rejects(startRegistry({ binary: "/bin/false", dir: other }), (error) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /exited with code 1/);
      assert.match(error.hint ?? "", new RegExp(`see ${path.join(other, "registry.log")}`));
      return true;
    });
    const port = Number(registry.address.split(":")[1]);
    await assert.rejects(startRegistry({ binary: "/bin/false", dir: other, port }), /is in use/);
  } finally {
    await rm(other, { recursive: true, force: true });
  }
});

test("stop ends the process and the folder has no registry afterwards", async () => {
  const other = await mkdtemp(path.join(tmpdir(), "registry-test-"));
  try {
    const second = await startRegistry({ binary: await registryBinary(), dir: other });
    assert.notEqual(second.address, registry.address);
    await second.stop();
    assert.equal(await registryAlive(other), undefined);
    // The registry is this process's child: gone means reaped, which can take a moment after exit.
    const deadline = Date.now() + 2000;
    while (isRunning(second.pid) && Date.now() < deadline) await sleep(20);
    assert.equal(isRunning(second.pid), false);
  } finally {
    await rm(other, { recursive: true, force: true });
  }
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
