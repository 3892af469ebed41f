import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The run folder fixture: the one folder under fixtures/runs/. */
export async function fixtureRunDir(): Promise<string> {
  const root = fileURLToPath(new URL("../../fixtures/runs/", import.meta.url));
  const entries = await readdir(root, { withFileTypes: true });
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  if (dirs.length !== 1)
    throw new Error(`expected one run folder in ${root}, got ${dirs.join(", ")}`);
  return path.join(root, dirs[0]);
}

/**
 * A copy of the fixture in a fresh temporary output folder, since rendering writes report.html
 * and findings.md beside the data. Returns the copy and a function that removes it.
 */
export async function copyFixture(): Promise<{
  outputDir: string;
  runDir: string;
  cleanup: () => Promise<void>;
}> {
  const source = await fixtureRunDir();
  const outputDir = await mkdtemp(path.join(os.tmpdir(), "report-test-"));
  const runDir = path.join(outputDir, path.basename(source));
  await cp(source, runDir, { recursive: true });
  return { outputDir, runDir, cleanup: () => rm(outputDir, { recursive: true, force: true }) };
}
