import assert from "node:assert/strict";
import { test } from "node:test";
import { buildxArgs } from "../../lib/builders/builder.ts";
import {
  meaningfulVersion,
  parseBuildxVersion,
  parseInspect,
  workerModeFromDriverStatus,
} from "../../lib/builders/identity.ts";

// Output of `docker buildx inspect --bootstrap` on the lab's sid-containerd builder (buildx 0.29).
const INSPECT_029 = `Name:   default
Driver: docker
Last Activity: 2026-12-03 15:48:24 +0000 UTC

Nodes:
Name:             default
Endpoint:         default
Status:           running
BuildKit version: v0.0.0+unknown
Platforms:        linux/amd64, linux/amd64/v2
Labels:
 org.mobyproject.buildkit.worker.containerd.namespace: moby
 org.mobyproject.buildkit.worker.executor:             containerd
 org.mobyproject.buildkit.worker.snapshotter:          overlayfs
GC Policy rule#0:
 All:            false
`;

// The shape buildx 0.10 and older print, with `Buildkit:` and no labels.
const INSPECT_OLD = `Name:   mybuilder
Driver: docker-container

Nodes:
Name:      mybuilder0
Endpoint:  unix:///var/run/docker.sock
Status:    running
Buildkit:  v0.10.6
Platforms: linux/amd64
`;

test("parseInspect reads driver, endpoint, BuildKit version and worker labels", () => {
  const info = parseInspect(INSPECT_029);
  assert.equal(info.name, "default");
  assert.equal(info.driver, "docker");
  assert.equal(info.endpoint, "default");
  assert.equal(info.status, "running");
  assert.equal(info.buildkitVersion, "v0.0.0+unknown");
  assert.deepEqual(info.labels, {
    "org.mobyproject.buildkit.worker.containerd.namespace": "moby",
    "org.mobyproject.buildkit.worker.executor": "containerd",
    "org.mobyproject.buildkit.worker.snapshotter": "overlayfs",
  });
});

test("parseInspect understands older buildx output", () => {
  const info = parseInspect(INSPECT_OLD);
  assert.equal(info.driver, "docker-container");
  assert.equal(info.endpoint, "unix:///var/run/docker.sock");
  assert.equal(info.buildkitVersion, "v0.10.6");
  assert.deepEqual(info.labels, {});
});

test("buildx and BuildKit versions", () => {
  assert.equal(
    parseBuildxVersion("github.com/docker/buildx 0.29.1+ds1 0.29.1+ds1-4"),
    "0.29.1+ds1",
  );
  assert.equal(parseBuildxVersion("github.com/docker/buildx v0.8.1 5fac64c2"), "0.8.1");
  assert.equal(parseBuildxVersion("docker: 'buildx' is not a docker command."), undefined);
  assert.equal(meaningfulVersion("v0.0.0+unknown"), undefined);
  assert.equal(meaningfulVersion("v0.13.2"), "v0.13.2");
});

test("the image store comes from docker info's DriverStatus", () => {
  assert.equal(
    workerModeFromDriverStatus([["driver-type", "io.containerd.snapshotter.v1"]]),
    "containerd",
  );
  assert.equal(
    workerModeFromDriverStatus([
      ["Backing Filesystem", "extfs"],
      ["Supports d_type", "true"],
    ]),
    "graphdriver",
  );
  assert.equal(workerModeFromDriverStatus(null), "graphdriver");
});

test("buildx argv names the user's builder only when there is one", () => {
  const base = { name: "x", source: "user" as const, docker: "docker", env: {} };
  assert.deepEqual(buildxArgs(base, "build", "."), ["buildx", "build", "."]);
  assert.deepEqual(buildxArgs({ ...base, buildxBuilder: "ci" }, "ls"), [
    "buildx",
    "--builder",
    "ci",
    "ls",
  ]);
});
