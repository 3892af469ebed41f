/**
 * Reading the lab's registry over its HTTP API (plain http on loopback, no auth): what a tag points
 * at, the layers of its linux/amd64 image, the tags of a repository, whether a blob is stored.
 */
import { createHash } from "node:crypto";
import type { ImageEvidence } from "../experiment/types.ts";

export const mediaTypes = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
} as const;

// Without an Accept header distribution may answer a schema 1 manifest or refuse an OCI one.
const acceptManifests = Object.values(mediaTypes).join(", ");

/** An entry of an OCI index or Docker manifest list. */
export interface IndexEntry {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { architecture?: string; os?: string; variant?: string };
  annotations?: Record<string, string>;
}

/** An OCI image manifest or Docker v2 manifest, the fields this project reads. */
export interface ImageManifest {
  mediaType?: string;
  config: { digest: string; mediaType?: string; size?: number };
  layers: { digest: string; mediaType?: string; size?: number }[];
}

/** A manifest as fetched: its bytes' digest, its media type and the parsed JSON. */
export interface FetchedManifest {
  digest: string;
  mediaType: string;
  body: { mediaType?: string; manifests?: IndexEntry[] } & Partial<ImageManifest>;
}

/**
 * Describes `repository:reference` as pushed: the digest the reference resolves to, its media type,
 * and the layers of its image for `platform` (base first). An index or manifest list is resolved to
 * the platform's manifest; attestation manifests, which BuildKit adds beside it, are passed over.
 */
export async function inspectImage(
  address: string,
  repository: string,
  reference: string,
  platform = "linux/amd64",
): Promise<ImageEvidence> {
  const top = await fetchManifest(address, repository, reference);
  const separator = reference.includes(":") ? "@" : ":";
  const ref = `${address}/${repository}${separator}${reference}`;

  // A single manifest is the image itself; an index names one manifest per platform.
  let image = top;
  if (isIndex(top)) {
    const entry = platformEntry(top.body.manifests ?? [], platform);
    if (!entry) {
      const offered = (top.body.manifests ?? []).map(describeEntry).join(", ") || "nothing";
      throw new Error(
        `Expected ${ref} to hold an image for ${platform}, its index offers ${offered}: ` +
          "build for that platform or inspect another one",
      );
    }
    image = await fetchManifest(address, repository, entry.digest);
  }

  const layers = (image.body.layers ?? []).map((layer) => layer.digest);
  return { ref, digest: top.digest, mediaType: top.mediaType, layers };
}

/**
 * The index entry for `platform` (`os/arch` or `os/arch/variant`), leaving aside attestation
 * manifests (platform unknown/unknown, annotation `vnd.docker.reference.type`).
 */
export function platformEntry(entries: IndexEntry[], platform: string): IndexEntry | undefined {
  const [os, architecture, variant] = platform.split("/");
  return entries.find(
    (entry) =>
      entry.annotations?.["vnd.docker.reference.type"] !== "attestation-manifest" &&
      entry.platform?.os === os &&
      entry.platform?.architecture === architecture &&
      (variant === undefined || entry.platform?.variant === variant),
  );
}

/** GETs a manifest by tag or digest, with every media type this project understands accepted. */
export async function fetchManifest(
  address: string,
  repository: string,
  reference: string,
): Promise<FetchedManifest> {
  const url = `http://${address}/v2/${repository}/manifests/${reference}`;
  const response = await request(url, { headers: { accept: acceptManifests } });
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (response.status !== 200) {
    throw new Error(
      `Expected GET ${url} to answer 200 with a manifest, got ${response.status} ` +
        `${registryErrorText(bytes)}: check the repository and tag (listTags shows what is there)`,
    );
  }

  // The registry names the digest in a header; the bytes decide when it does not.
  const digest =
    response.headers.get("docker-content-digest") ??
    `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const body = JSON.parse(new TextDecoder().decode(bytes)) as FetchedManifest["body"];
  const mediaType = body.mediaType ?? response.headers.get("content-type") ?? "unknown";
  return { digest, mediaType, body };
}

/** The tags of a repository, sorted as the registry lists them; none when it does not exist. */
export async function listTags(address: string, repository: string): Promise<string[]> {
  const url = `http://${address}/v2/${repository}/tags/list`;
  const response = await request(url);
  if (response.status === 404) {
    await response.body?.cancel();
    return [];
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (response.status !== 200) {
    throw new Error(
      `Expected GET ${url} to answer 200 with tags, got ${response.status} ` +
        `${registryErrorText(bytes)}`,
    );
  }
  const body = JSON.parse(new TextDecoder().decode(bytes)) as { tags?: string[] | null };
  return body.tags ?? [];
}

/** Whether the registry holds `digest` in `repository` (a HEAD on the blob). */
export async function blobExists(
  address: string,
  repository: string,
  digest: string,
): Promise<boolean> {
  const url = `http://${address}/v2/${repository}/blobs/${digest}`;
  const response = await request(url, { method: "HEAD" });
  await response.body?.cancel();
  if (response.status === 200) return true;
  if (response.status === 404) return false;
  throw new Error(`Expected HEAD ${url} to answer 200 or 404, got ${response.status}`);
}

/** Fetch with the error a user can act on when nothing listens at the address. */
export async function request(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { redirect: "follow", ...init });
  } catch (error) {
    throw new Error(
      `Expected a registry to answer ${init.method ?? "GET"} ${url}, the request failed ` +
        `(${(error as Error).cause ?? (error as Error).message}): start the lab's registry first`,
      { cause: error },
    );
  }
}

/** The first error code and message of a registry error body, or its first 200 characters. */
export function registryErrorText(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes);
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = body.errors?.[0];
    if (first) return `${first.code ?? ""} ${first.message ?? ""}`.trim();
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return text.slice(0, 200).trim();
}

function isIndex(manifest: FetchedManifest): boolean {
  return (
    manifest.mediaType === mediaTypes.ociIndex ||
    manifest.mediaType === mediaTypes.dockerList ||
    (Array.isArray(manifest.body.manifests) && !manifest.body.layers)
  );
}

function describeEntry(entry: IndexEntry): string {
  const platform = entry.platform
    ? [entry.platform.os, entry.platform.architecture, entry.platform.variant]
        .filter(Boolean)
        .join("/")
    : "no platform";
  const kind = entry.annotations?.["vnd.docker.reference.type"];
  return kind ? `${platform} (${kind})` : platform;
}
