import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../lib/core/errors.ts";
import {
  cacheFromArgs,
  cacheToArgs,
  cellRepository,
  imageRef,
  newRunId,
} from "../../lib/experiment/naming.ts";
import { parseExperimentArgs } from "../../lib/experiment/options.ts";
import type { Cell } from "../../lib/experiment/types.ts";

test("defaults run every scenario, variant and backend on the lab", () => {
  const options = parseExperimentArgs([]);
  assert.equal(options.builders, undefined);
  assert.deepEqual(options.variants, ["link", "plain"]);
  assert.deepEqual(options.backends, ["inline", "registry-min", "registry-max", "local"]);
  assert.ok(options.scenarios.includes("controlled"));
  assert.equal(options.output, "output");
  assert.equal(options.report, true);
});

test("every mistake says what was expected and what arrived", () => {
  const cases: [string[], RegExp][] = [
    [
      ["--backends", "s3"],
      /expected backend from inline, registry-min, registry-max, local, got "s3"/,
    ],
    [["--variants", "link,copy"], /expected variant from link, plain, got "link,copy"/],
    [["--scenarios", ""], /expected scenario from/],
    [["--builders", "mine"], /--builders needs --registry HOST:PORT/],
    [
      ["--builders", "a", "--lab-builders", "b", "--registry", "r:5000"],
      /either --builders .* or --lab-builders/,
    ],
    [["--registry", "http://x"], /expected --registry as HOST:PORT, got "http:\/\/x"/],
    [["--concurrency", "0"], /expected a whole number of at least 1 for --concurrency, got "0"/],
    [["--sleep", "soon"], /expected --sleep as seconds from 0 to 600, got "soon"/],
    [["--access-log", "/no/such/file"], /expected --access-log to name an existing file/],
    [["--colour"], /Unknown option '--colour'/],
    [["run"], /expected only options, got "run"/],
  ];
  for (const [args, message] of cases) {
    assert.throws(
      () => parseExperimentArgs(args),
      (error: unknown) => {
        assert.ok(error instanceof UserError, `${args.join(" ")} gives a UserError`);
        assert.match(error.message, message);
        return true;
      },
    );
  }
});

test("names are registry-safe and unique per run and cell", () => {
  const names = {
    runId: newRunId(new Date("2026-12-03T15:58:06Z"), "a1b2"),
    registry: "127.0.0.1:5000",
  };
  assert.equal(names.runId, "20261203-155806-a1b2");
  const cell: Cell = {
    scenario: "seed",
    variant: "link",
    backend: "registry-max",
    builder: "My_Builder",
  };
  assert.equal(
    cellRepository(names, cell),
    "bkmt/20261203-155806-a1b2/seed-link-registry-max-my-builder",
  );
  assert.equal(imageRef(names, cell, "C-writeup").split(":").at(-1), "c-writeup");
  assert.deepEqual(cacheToArgs("registry-max", names, cell, "A", "/run"), [
    "--cache-to",
    "type=registry,ref=127.0.0.1:5000/bkmt/20261203-155806-a1b2/seed-link-registry-max-my-builder/cache:a,mode=max",
  ]);
  assert.deepEqual(cacheFromArgs("inline", names, cell, "A", "/run"), [
    "--cache-from",
    "type=registry,ref=127.0.0.1:5000/bkmt/20261203-155806-a1b2/seed-link-registry-max-my-builder:a",
  ]);
  assert.deepEqual(cacheFromArgs("local", names, cell, "A", "/run"), [
    "--cache-from",
    "type=local,src=/run/cache/seed/link/registry-max/My_Builder/A",
  ]);
});
