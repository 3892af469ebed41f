import { createReadStream } from "node:fs";
import { parseStream } from "../progress/parser.ts";

/**
 * Digests of the vertices BuildKit reported cached at any moment of a build. The trace model keeps
 * a vertex's last state; a vertex can be reported cached (its cache key matched) and then start
 * again and run (its result could not be loaded), and that first report is evidence too.
 */
export async function everCachedDigests(streamFile: string): Promise<Set<string>> {
  const hits = new Set<string>();
  await parseStream(createReadStream(streamFile), {
    file: streamFile,
    onEvent: (event) => {
      if (event.kind !== "status") return;
      for (const vertex of event.status.vertexes ?? []) {
        if (vertex.cached) hits.add(vertex.digest);
      }
    },
  });
  return hits;
}
