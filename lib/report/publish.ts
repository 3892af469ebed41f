import path from "node:path";
import type { Effects } from "../core/effects.ts";
import { ghCommentCommand } from "./findings.ts";
import { renderIndex } from "./front-page.ts";
import { renderRun } from "./report.ts";

export interface PublishedRun {
  reportFile: string;
  findingsFile: string;
  indexFile: string;
  /** The command line that posts findings.md on docker/buildx#1099. */
  ghCommand: string;
}

/**
 * What a run does at its end: render its report and findings, then rebuild the front page of
 * the folder that holds it. The caller prints the paths and the command.
 */
export async function publishRun(runDir: string, effects: Effects): Promise<PublishedRun> {
  const { reportFile, findingsFile } = await renderRun(runDir, effects);
  const { indexFile } = await renderIndex(path.dirname(path.resolve(runDir)), effects);
  return { reportFile, findingsFile, indexFile, ghCommand: ghCommentCommand(findingsFile) };
}
