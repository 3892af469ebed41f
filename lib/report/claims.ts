import type { Claim } from "../experiment/types.ts";
import { CLAIMS } from "../experiment/verdicts.ts";

/**
 * Where each claim comes from, for the report's prose. The claims themselves are the
 * experiment's (`CLAIMS`); whether one held is only ever read from verdicts.json.
 */
export const claimSources: Record<Claim, string> = {
  a:
    "The article: a `--link` copy is written to a snapshot of its own and linked on top, so a " +
    "change to earlier commands need not invalidate it; its remote-cache example imports that " +
    "cache with `--cache-from`.",
  b:
    "The article: an image can be rebased onto a new base without pulling or rebuilding the " +
    "copied layers.",
  c:
    "The article's remote-cache example (`--cache-to type=inline --push`, later `--cache-from`): " +
    "only the new layer is pushed with the new manifest.",
  d:
    "The thread: its reports read the plain progress to judge whether the layer was reused, so " +
    "the report checks whether that output says so.",
};

/** The claim's statement, or its letter when the run used a claim this version does not know. */
export function claimTitle(claim: string): string {
  return (CLAIMS as Record<string, string | undefined>)[claim] ?? `claim ${claim}`;
}

/** Where the claim comes from, if this version knows the claim. */
export function claimSource(claim: string): string | undefined {
  return (claimSources as Record<string, string | undefined>)[claim];
}
