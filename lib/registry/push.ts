/**
 * What a push did, told from the registry's side. BuildKit's pusher asks about every blob first
 * (`HEAD …/blobs/<digest>`): a 200 means the blob is there and nothing is sent; otherwise it may
 * try a cross-repository mount (`POST …/blobs/uploads/?mount=<digest>&from=<repo>`, 201 when it
 * worked) and else uploads (`POST …/blobs/uploads/` then `PUT …/blobs/uploads/<id>?digest=…`).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { PushEvidence, RegistryRequest } from "../experiment/types.ts";
import { readAccessLog, requestRepository } from "./access-log.ts";

/**
 * Sorts the blobs one push touched into uploaded, mounted and present, from the access-log requests
 * of that push (read from the offset taken before it). Only requests to `repository` count; each
 * list keeps the order in which the registry saw the blobs.
 */
export function pushEvidence(
  requests: RegistryRequest[],
  repository: string,
  tag: string,
): PushEvidence {
  const own = requests.filter((request) => requestRepository(request.path) === repository);
  const uploaded = new Set<string>();
  const mounted = new Set<string>();
  const found = new Set<string>();

  for (const request of own) {
    if (!request.digest || !isBlobRequest(request.path)) continue;
    if (isUploadCompletion(request)) uploaded.add(request.digest);
    else if (isMount(request)) mounted.add(request.digest);
    else if (request.method === "HEAD" && request.status === 200) found.add(request.digest);
  }

  // A blob the pusher found and sent all the same (BuildKit does not) counts as sent, not present.
  const present = [...found].filter((digest) => !uploaded.has(digest) && !mounted.has(digest));
  return {
    repository,
    tag,
    requests: own,
    uploaded: [...uploaded],
    present,
    mounted: [...mounted].filter((digest) => !uploaded.has(digest)),
  };
}

/**
 * Waits until the access log shows the push of `repository:tag` finished (the tag's manifest PUT),
 * then returns its evidence and the offset to read on from. The registry writes a line only after
 * it has answered, so a client can see its push done a moment before the last line is in the file.
 */
export async function awaitPushEvidence(options: {
  accessLog: string;
  fromOffset: number;
  repository: string;
  tag: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<PushEvidence & { nextOffset: number }> {
  const { accessLog, fromOffset, repository, tag, timeoutMs = 5000, signal } = options;
  const deadline = Date.now() + timeoutMs;
  const requests: RegistryRequest[] = [];
  let offset = fromOffset;

  for (;;) {
    // Read whatever arrived since the last look, then stop once the tag's manifest is in.
    const read = await readAccessLog(accessLog, offset);
    requests.push(...read.requests);
    offset = read.nextOffset;
    if (requests.some((request) => isTagPut(request, repository, tag))) break;

    if (Date.now() >= deadline) {
      throw new Error(
        `Expected the registry's access log ${accessLog} to show PUT /v2/${repository}/manifests/` +
          `${tag} within ${timeoutMs}ms after byte ${fromOffset}, found ${requests.length} ` +
          "requests without it: check that the push went to this registry and did not fail",
      );
    }
    await sleep(50, undefined, { signal });
  }

  return { ...pushEvidence(requests, repository, tag), nextOffset: offset };
}

function isBlobRequest(path: string): boolean {
  return /^\/v2\/.+\/blobs\//.test(path);
}

function isUploadCompletion(request: RegistryRequest): boolean {
  // A PUT that closes an upload, or a monolithic POST carrying the digest, answered 201 Created.
  return (
    request.status === 201 &&
    (request.method === "PUT" || request.method === "POST") &&
    /\/blobs\/uploads\//.test(request.path) &&
    /[?&]digest=/.test(request.path)
  );
}

function isMount(request: RegistryRequest): boolean {
  return request.method === "POST" && request.status === 201 && /[?&]mount=/.test(request.path);
}

function isTagPut(request: RegistryRequest, repository: string, tag: string): boolean {
  // Any answer ends the push, a refusal too: the evidence keeps the status for the reader.
  return request.method === "PUT" && request.path === `/v2/${repository}/manifests/${tag}`;
}
