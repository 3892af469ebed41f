import assert from "node:assert/strict";
import { test } from "node:test";
import { scriptArgs } from "../../lib/core/args.ts";
import { containerdConfig, daemonConfig, engineFiles } from "../../lib/lab/engines.ts";
import { compareDotted, libcRequirement, parseGetLine } from "../../lib/lab/packages.ts";
import { labDir, labPaths } from "../../lib/lab/paths.ts";

test("the worker mode is the only difference between a generation's two daemon configs", () => {
  const graph = daemonConfig("graphdriver");
  const snap = daemonConfig("containerd");
  assert.deepEqual(graph.features, { "containerd-snapshotter": false });
  assert.deepEqual(snap.features, { "containerd-snapshotter": true });
  assert.equal(graph["storage-driver"], "overlay2");
  assert.equal(snap["storage-driver"], undefined);
  assert.deepEqual(graph["insecure-registries"], ["127.0.0.0/8"]);
});

test("containerd gets its own sockets and folders and no CRI plugin", () => {
  const files = engineFiles({ dir: "/lab/run/sid-containerd", root: "/lab/roots/sid" });
  const toml = containerdConfig(files);
  assert.match(toml, /address = "\/lab\/run\/sid-containerd\/containerd\.sock"/);
  assert.match(toml, /root = "\/lab\/run\/sid-containerd\/containerd\/root"/);
  assert.match(toml, /disabled_plugins = \["io\.containerd\.grpc\.v1\.cri"\]/);
  assert.equal(files.dockerdBin, "/lab/roots/sid/usr/sbin/dockerd");
});

test("the lab folder follows BUILDKIT_LAB_DIR, then XDG_CACHE_HOME", () => {
  assert.equal(labDir({ BUILDKIT_LAB_DIR: "/x/lab" }), "/x/lab");
  assert.equal(labDir({ XDG_CACHE_HOME: "/c" }), "/c/buildkit-merge-test");
  const paths = labPaths("/x/lab", "/tmp/run1");
  assert.equal(paths.debs, "/x/lab/debs");
  assert.equal(paths.state, "/tmp/run1/lab.json");
});

test("libc requirements are read from Depends and compared numerically", () => {
  const depends = "debconf (>= 0.5), libc6 (>= 2.34), libsystemd0, containerd (>= 1.4~)";
  assert.equal(libcRequirement(depends), "2.34");
  assert.equal(libcRequirement("adduser"), undefined);
  assert.ok(compareDotted("2.34", "2.36") < 0);
  assert.ok(compareDotted("2.38", "2.36") > 0);
  assert.ok(compareDotted("2.4", "2.36") < 0, "2.4 is older than 2.36");
  assert.equal(compareDotted("2.36", "2.36.0"), 0);
});

test("apt's Get lines give suite, package, version and size", () => {
  const line = "Get:3 file:/mirror trixie/main amd64 runc amd64 1.1.15+ds1-2+b4 [2,710 kB]";
  assert.deepEqual(parseGetLine(line), {
    suite: "trixie",
    name: "runc",
    version: "1.1.15+ds1-2+b4",
    bytes: 2_710_000,
  });
  assert.equal(parseGetLine("Reading package lists..."), undefined);
  assert.equal(parseGetLine("Fetched 156 MB in 1s (179 MB/s)"), undefined);
});

test("notebook arguments are found after the script under zx, node and deno", () => {
  const url = "file:///w/notebooks/lab.ts";
  assert.deepEqual(
    scriptArgs(url, ["node", "/w/node_modules/zx/cli.js", "/w/notebooks/lab.ts", "up"]),
    ["up"],
  );
  assert.deepEqual(scriptArgs(url, ["deno", "/w/notebooks/lab.ts", "down", "-x"]), ["down", "-x"]);
  assert.deepEqual(scriptArgs(url, ["node", "/other.ts", "status"]), ["status"]);
});
