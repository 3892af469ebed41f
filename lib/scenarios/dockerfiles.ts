import type { Variant } from "../experiment/types.ts";

/**
 * One layer a Dockerfile template adds on top of its base, and where its content comes from: a
 * file of the build context, or a file made by an earlier stage.
 */
export interface LayerSpec {
  /** The instruction as written for the `link` variant; the `plain` variant drops `--link`. */
  instruction: string;
  source: { file: string } | { stage: string };
}

/** A Dockerfile as data: its text, written with `{base}` and `{link}` holes, and its layers. */
export interface DockerfileTemplate {
  id: string;
  text: string;
  layers: LayerSpec[];
  /** Stages other than the final one, with what decides their content (for cache reasoning). */
  stages: Record<string, string>;
}

/**
 * The user's Dockerfile from docker/buildx#1099, less its `# syntax=` line (the frontend image
 * cannot be pulled here, so the builder's built-in Dockerfile frontend runs instead).
 */
const twoCopies: DockerfileTemplate = {
  id: "two-copies",
  text: ["FROM {base}", "COPY{link} foo.txt /", "COPY{link} bar.txt /", ""].join("\n"),
  layers: [
    { instruction: "COPY --link foo.txt /", source: { file: "foo.txt" } },
    { instruction: "COPY --link bar.txt /", source: { file: "bar.txt" } },
  ],
  stages: {},
};

/**
 * The maintainer's variant in that thread: a first stage does slow work, and the final stage
 * copies its result after a layer that changes. `RUN` has no network here (the lab's engines run
 * without a bridge), so the instruction says `--network=none`.
 */
const slowStage: DockerfileTemplate = {
  id: "slow-stage",
  text: [
    "FROM {base} AS slow",
    "RUN --network=none sleep {sleep} && echo slow > /slow.txt",
    "",
    "FROM {base}",
    "COPY{link} foo.txt /",
    "COPY{link} --from=slow /slow.txt /",
    "",
  ].join("\n"),
  layers: [
    { instruction: "COPY --link foo.txt /", source: { file: "foo.txt" } },
    { instruction: "COPY --link --from=slow /slow.txt /", source: { stage: "slow" } },
  ],
  stages: { slow: "RUN --network=none sleep {sleep} && echo slow > /slow.txt" },
};

export const TEMPLATES: Record<string, DockerfileTemplate> = {
  [twoCopies.id]: twoCopies,
  [slowStage.id]: slowStage,
};

export function template(id: string): DockerfileTemplate {
  const found = TEMPLATES[id];
  if (!found) throw new Error(`unknown Dockerfile template "${id}"`);
  return found;
}

/** The instruction as it appears in the Dockerfile of a variant. */
export function instructionFor(layer: LayerSpec, variant: Variant): string {
  return variant === "link" ? layer.instruction : layer.instruction.replace(" --link", "");
}

/** Renders a template for one variant and base image reference. */
export function renderDockerfile(
  id: string,
  variant: Variant,
  base: string,
  options: { sleepSeconds?: number } = {},
): string {
  return template(id)
    .text.replaceAll("{base}", base)
    .replaceAll("{link}", variant === "link" ? " --link" : "")
    .replaceAll("{sleep}", String(options.sleepSeconds ?? 5));
}
