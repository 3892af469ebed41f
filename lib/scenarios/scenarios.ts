import type { BuildSpec, ScenarioSpec } from "../experiment/types.ts";

/** A build with the defaults most builds share. */
function build(
  id: string,
  files: Record<string, string>,
  options: Partial<Omit<BuildSpec, "id" | "files">> = {},
): BuildSpec {
  return {
    id,
    files,
    base: options.base ?? "a",
    pruneBefore: options.pruneBefore ?? true,
    pruneImages: options.pruneImages ?? true,
    cacheFrom: options.cacheFrom ?? [],
    cacheTo: options.cacheTo ?? false,
    push: options.push ?? false,
  };
}

const two = (foo: string, bar: string) => ({ "foo.txt": `${foo}\n`, "bar.txt": `${bar}\n` });

/**
 * The scenarios, as data. Each says what it builds and which cache it may use; what happened is
 * measured, never stated here.
 */
export const SCENARIOS: ScenarioSpec[] = [
  {
    id: "seed",
    title: "The user's three builds, as written",
    description:
      "A (foo, bar) exports its cache and pushes; B (foo, baz) and C (baz, bar) import A's cache, " +
      "on one builder whose build cache was pruned once at the start (docker buildx prune -a), as " +
      "in the user's test.sh. C-writeup is the C their write-up describes (baz, baz).",
    dockerfile: "two-copies",
    builds: [
      build("A", two("foo", "bar"), { pruneImages: false, cacheTo: true, push: true }),
      build("B", two("foo", "baz"), { pruneBefore: false, cacheFrom: ["A"] }),
      build("C", two("baz", "bar"), { pruneBefore: false, cacheFrom: ["A"] }),
      build("C-writeup", two("baz", "baz"), { pruneBefore: false, cacheFrom: ["A"] }),
    ],
  },
  {
    id: "controlled",
    title: "Only the imported cache can hit",
    description:
      "The builder's own cache and images are pruned before every build, as on a fresh machine, so " +
      "a step can only be reused from the cache it imports. C changes the first file and keeps the " +
      "second; C-control does the same against a cache source (B) that really holds its second " +
      "layer.",
    dockerfile: "two-copies",
    builds: [
      build("A", two("foo", "bar"), { cacheTo: true, push: true }),
      build("B", two("foo", "baz"), { cacheFrom: ["A"], cacheTo: true, push: true }),
      build("C", two("baz", "bar"), { cacheFrom: ["A"], push: true }),
      build("C-control", two("baz", "baz"), { cacheFrom: ["B"], push: true }),
    ],
  },
  {
    id: "controlled-blobs-kept",
    title: "Only the imported cache can hit, blobs kept",
    description:
      "As controlled, but only the build cache is pruned (docker buildx prune -a): an engine's " +
      "image store keeps the blobs it pulled or built. This tells whether a reuse depends on the " +
      "layer blob being on the machine already.",
    dockerfile: "two-copies",
    builds: [
      build("A", two("foo", "bar"), { pruneImages: false, cacheTo: true, push: true }),
      build("B", two("foo", "baz"), {
        pruneImages: false,
        cacheFrom: ["A"],
        cacheTo: true,
        push: true,
      }),
      build("C", two("baz", "bar"), { pruneImages: false, cacheFrom: ["A"], push: true }),
      build("C-control", two("baz", "baz"), { pruneImages: false, cacheFrom: ["B"], push: true }),
    ],
  },
  {
    id: "rebase",
    title: "The same files on a new base image",
    description:
      "The article's first claim: R builds A's files on another base image, importing A's cache; " +
      "linked layers should be reused, and their blobs found already in the registry.",
    dockerfile: "two-copies",
    builds: [
      build("A", two("foo", "bar"), { cacheTo: true, push: true }),
      build("R", two("foo", "bar"), { base: "b", cacheFrom: ["A"], push: true }),
    ],
  },
  {
    id: "slow-stage",
    title: "A slow stage copied after a changing layer",
    description:
      "The maintainer's variant: a first stage sleeps and writes a file; the final stage copies " +
      "foo.txt, then the slow stage's file. B changes foo.txt and imports A's cache: if the second " +
      "copy is reused, the slow stage need not run and B is fast.",
    dockerfile: "slow-stage",
    builds: [
      build("A", { "foo.txt": "foo\n" }, { cacheTo: true, push: true }),
      build("B", { "foo.txt": "foo2\n" }, { cacheFrom: ["A"], push: true }),
    ],
  },
];

export function scenario(id: string): ScenarioSpec {
  const found = SCENARIOS.find((s) => s.id === id);
  if (!found) {
    throw new Error(
      `unknown scenario "${id}", expected one of ${SCENARIOS.map((s) => s.id).join(", ")}`,
    );
  }
  return found;
}
