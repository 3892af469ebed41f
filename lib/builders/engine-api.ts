import http from "node:http";

/**
 * A few Docker Engine API calls over the engine's unix socket, for the docker driver where the
 * builder is the engine itself: the same work as the CLI commands, without starting a CLI process
 * for each (which costs more than the call itself on a loaded machine).
 */

/** The unix socket of a `unix://` DOCKER_HOST, or undefined for any other endpoint. */
export function unixSocket(dockerHost: string | undefined): string | undefined {
  return dockerHost?.startsWith("unix://") ? dockerHost.slice("unix://".length) : undefined;
}

/** POSTs to the engine and resolves with the parsed JSON answer; rejects on a non-2xx status. */
export function enginePost(
  socket: string,
  urlPath: string,
  signal?: AbortSignal,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { socketPath: socket, path: urlPath, method: "POST", signal },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            reject(new Error(`engine answered ${status} to POST ${urlPath}: ${text.trim()}`));
            return;
          }
          try {
            resolve(text ? JSON.parse(text) : undefined);
          } catch {
            resolve(text);
          }
        });
      },
    );
    request.once("error", reject);
    request.end();
  });
}

/** `docker buildx prune --all --force` for the docker driver: every build cache record. */
export function pruneBuildCache(socket: string, signal?: AbortSignal) {
  return enginePost(socket, "/build/prune?all=1", signal);
}

/** `docker image prune --all --force`: every image no container uses, and its blobs. */
export function pruneImages(socket: string, signal?: AbortSignal) {
  const filters = encodeURIComponent(JSON.stringify({ dangling: ["false"] }));
  return enginePost(socket, `/images/prune?filters=${filters}`, signal);
}
