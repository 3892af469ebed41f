import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  accessLogSize,
  parseAccessLine,
  parseAccessLog,
  readAccessLog,
  requestDigest,
  requestRepository,
} from "../../lib/registry/access-log.ts";

const fixtures = fileURLToPath(new URL("../../fixtures/registry/", import.meta.url));
const engineLog = path.join(fixtures, "access-engine-push.txt");

// Where the three pushes of the capture begin, see fixtures/README.md.
const secondPush = 4831;
const thirdPush = 7729;

const layerFoo = "sha256:b9a9b99b88018b5a90cd1251e9ad46931a2945fafb3c136cc53a2e2bb25a40bb";
const layerBar = "sha256:d200275409f51d5e7a8f3bf6b44c3d4153637b025b90b79a1ea037bdf7bb66b2";

test("parseAccessLine reads a HEAD on a blob", () => {
  const line =
    `127.0.0.1 - - [03/Dec/2026:15:51:40 +0000] "HEAD /v2/capture/foobar/blobs/${layerFoo} ` +
    'HTTP/1.1" 200 0 "" "buildkit/v0.0-dev"';
  assert.deepEqual(parseAccessLine(line), {
    time: "2026-12-03T15:51:40Z",
    method: "HEAD",
    path: `/v2/capture/foobar/blobs/${layerFoo}`,
    status: 200,
    digest: layerFoo,
  });
});

test("parseAccessLine turns the time into UTC", () => {
  const line = '::1 - - [03/Dec/2026:16:51:40 +0100] "GET /v2/ HTTP/1.1" 200 2 "" "curl/8.0"';
  assert.deepEqual(parseAccessLine(line), {
    time: "2026-12-03T15:51:40Z",
    method: "GET",
    path: "/v2/",
    status: 200,
  });
});

test("parseAccessLog reads every line of a real engine push and keeps its order", async () => {
  const { requests, unknown } = parseAccessLog(await readFile(engineLog, "utf8"));
  assert.equal(requests.length, 57);
  assert.deepEqual(unknown, []);
  assert.deepEqual([...new Set(requests.map((request) => request.method))].sort(), [
    "GET",
    "HEAD",
    "POST",
    "PUT",
  ]);
  assert.equal(requests[0].path, `/v2/capture/foobar/blobs/${layerBar}`);
  // The capture ends with the three GETs that fetched the manifest fixtures.
  assert.equal(requests.at(-4)?.path, "/v2/capture/other/manifests/1");
  assert.equal(requests.at(-1)?.method, "GET");
});

test("parseAccessLog drops the upload token, keeps the digest of a finished upload", async () => {
  const { requests } = parseAccessLog(await readFile(engineLog, "utf8"));
  const put = requests.find((request) => request.method === "PUT" && request.digest === layerBar);
  assert.deepEqual(put, {
    time: "2026-12-03T15:51:39Z",
    method: "PUT",
    path:
      "/v2/capture/foobar/blobs/uploads/5655137f-a718-4b2b-b6db-7d5aff312079" +
      `?digest=${layerBar.replace(":", "%3A")}`,
    status: 201,
    digest: layerBar,
  });
  assert.ok(requests.every((request) => !request.path.includes("_state")));
});

test("parseAccessLog keeps the registry's own log lines aside", async () => {
  const stderr = await readFile(path.join(fixtures, "registry-stderr.txt"), "utf8");
  const access = await readFile(engineLog, "utf8");
  const mixed = `${stderr}${access.split("\n").slice(0, 2).join("\n")}\nnot a log line\n`;
  const { requests, unknown } = parseAccessLog(mixed);
  assert.equal(requests.length, 2);
  assert.equal(unknown.length, 3);
  assert.match(unknown[0], /^time="[^"]+" level=/);
  assert.equal(unknown[2], "not a log line");
});

test("requestDigest finds blobs, mounts, finished uploads and manifests by digest", () => {
  const cases: [string, string | undefined][] = [
    [`/v2/a/b/blobs/${layerFoo}`, layerFoo],
    [`/v2/a/b/blobs/uploads/?mount=${layerFoo}&from=c/d`, layerFoo],
    [`/v2/a/b/blobs/uploads/some-uuid?digest=${layerFoo.replace(":", "%3A")}`, layerFoo],
    [`/v2/a/b/blobs/uploads/?digest=${layerFoo}`, layerFoo],
    [`/v2/a/b/manifests/${layerBar}`, layerBar],
    ["/v2/a/b/manifests/1", undefined],
    ["/v2/a/b/blobs/uploads/", undefined],
    ["/v2/a/b/blobs/uploads/some-uuid", undefined],
    ["/v2/", undefined],
  ];
  for (const [requestPath, digest] of cases) {
    assert.equal(requestDigest(requestPath), digest, requestPath);
  }
});

test("requestRepository reads nested repository names", () => {
  assert.equal(requestRepository(`/v2/run-1/scenario/a/blobs/${layerFoo}`), "run-1/scenario/a");
  assert.equal(requestRepository("/v2/x/y/blobs/uploads/?mount=a:b&from=c/blobs/d"), "x/y");
  assert.equal(requestRepository("/v2/x/y/tags/list"), "x/y");
  assert.equal(requestRepository("/v2/"), undefined);
});

test("readAccessLog reads from an offset: the second push alone", async () => {
  const read = await readAccessLog(engineLog, secondPush);
  const second = read.requests.filter((request) => request.path.startsWith("/v2/capture/foobar/"));
  assert.equal(second.length, 17);
  assert.equal(read.nextOffset, (await readFile(engineLog)).length);
  const third = (await readAccessLog(engineLog, thirdPush)).requests;
  assert.ok(
    third.every(
      (request) => request.path.startsWith("/v2/capture/other/") || request.method === "GET",
    ),
  );
});

test("readAccessLog leaves a line still being written for the next read", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "registry-log-"));
  try {
    const file = path.join(dir, "access.log");
    assert.equal(await accessLogSize(file), 0);
    const lines = (await readFile(engineLog, "utf8")).split("\n");
    const whole = `${lines[0]}\n`;
    await writeFile(file, `${whole}${lines[1].slice(0, 40)}`);

    const first = await readAccessLog(file, 0);
    assert.equal(first.requests.length, 1);
    assert.equal(first.nextOffset, Buffer.byteLength(whole));

    await writeFile(file, `${whole}${lines[1]}\n`);
    const second = await readAccessLog(file, first.nextOffset);
    assert.equal(second.requests.length, 1);
    assert.equal(second.requests[0].digest, parseAccessLine(lines[1])?.digest);
    assert.equal(second.nextOffset, await accessLogSize(file));

    await assert.rejects(readAccessLog(file, 1_000_000), /truncated or replaced/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
