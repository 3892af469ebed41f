import type { Claim } from "../experiment/types.ts";

/**
 * What each claim letter stands for, in the words the report uses. These restate what the article
 * and the thread say would happen; whether it happened is only ever read from verdicts.json.
 */
export const claims: Record<Claim, { title: string; text: string }> = {
  a: {
    title: "A later --link layer is reused from remote cache",
    text:
      "With `COPY --link`, the copied files land in a snapshot of their own, so a build that " +
      "imports another build's cache can reuse the copy although a layer below it changed.",
  },
  b: {
    title: "A rebase reuses --link layers without uploading them",
    text:
      "When only the base image changes, the `--link` layers are reused and the push does not " +
      "send them again.",
  },
  c: {
    title: "A push uploads only what the registry lacks",
    text:
      "Layers the repository already holds are not uploaded again; only the new layer goes up " +
      "with the new manifest.",
  },
  d: {
    title: "The plain output shows the reuse as CACHED",
    text:
      "A reader of BuildKit's plain progress can tell that a `--link` step was reused, because " +
      "its row is marked `CACHED`.",
  },
};

/** The claim's title, or its letter when the run used a claim this list does not know. */
export function claimTitle(claim: string): string {
  return (
    (claims as Record<string, { title: string } | undefined>)[claim]?.title ?? `claim ${claim}`
  );
}
