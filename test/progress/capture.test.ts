import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { UserError } from "../../lib/core/errors.ts";
import { captureBuild } from "../../lib/progress/capture.ts";
import type { Trace } from "../../lib/progress/types.ts";
import { recordedStreams } from "./helpers.ts";

/** A folder with a fake `docker` that runs the given shell script body. */
async function fakeDocker(body: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "capture-test-"));
  const docker = path.join(dir, "docker");
  await writeFile(docker, `#!/bin/sh\n${body}\n`);
  await chmod(docker, 0o755);
  return { dir, env: { PATH: `${dir}:${process.env.PATH}` } };
}

test("a failed build is data: exit code, stream file, trace and the error text", async () => {
  const stream = recordedStreams().find(
    (s) => s.builder === "trixie-containerd" && s.name === "fail-missing-file",
  )!;
  // Half the stream, a pause, then the rest: the watcher sees the trace grow.
  const { dir, env } = await fakeDocker(
    `head -c 3000 "${stream.file}" >&2; sleep 0.4; tail -c +3001 "${stream.file}" >&2\n` +
      `echo "args: $*"; exit 1`,
  );
  try {
    const seen: Trace[] = [];
    const streamFile = path.join(dir, "run", "build.json");
    const result = await captureBuild({
      args: ["buildx", "build", "--progress=rawjson", "."],
      cwd: dir,
      env,
      streamFile,
      onTrace: (trace) => seen.push(trace),
    });
    assert.equal(result.exitCode, 1);
    assert.equal(result.stdout, "args: buildx build --progress=rawjson .\n");
    assert.match(result.errorText, /^Dockerfile:3\n[\s\S]*ERROR: failed to solve: .*not found$/);
    assert.equal(result.trace.parseError, undefined);
    assert.ok(result.trace.vertices.some((v) => v.error?.includes("not found")));
    assert.deepEqual(await readFile(streamFile), await readFile(stream.file));
    assert.ok(seen.length >= 2 && seen[0].vertices.length < result.trace.vertices.length);
    assert.ok(result.durationMs >= 400);
    assert.ok(Date.parse(result.endedAt) >= Date.parse(result.startedAt));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("aborting kills the build and resolves with what arrived", async () => {
  const { dir, env } = await fakeDocker(
    `printf '{"vertexes":[{"digest":"sha256:a","name":"x","started":"2026-01-01T00:00:00Z"}]}\\n' >&2\n` +
      "exec sleep 30",
  );
  try {
    const controller = new AbortController();
    const capture = captureBuild({
      args: ["buildx", "build"],
      cwd: dir,
      env,
      streamFile: path.join(dir, "build.json"),
      signal: controller.signal,
      onTrace: (trace) => {
        if (trace.vertices.length > 0) controller.abort();
      },
    });
    const result = await capture;
    assert.equal(result.exitCode, -1);
    assert.equal(result.trace.vertices.length, 1);
    assert.ok(result.durationMs < 10_000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("failing to start docker throws a UserError", async () => {
  const { dir, env } = await fakeDocker("exit 0");
  try {
    await assert.rejects(
      captureBuild({
        args: ["buildx", "build"],
        cwd: path.join(dir, "no-such-folder"),
        env,
        streamFile: path.join(dir, "build.json"),
      }),
      (error) => error instanceof UserError && /could not start docker/.test(error.message),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
