/**
 * A small OCI push over the registry API, the way BuildKit's pusher goes about it: ask about each
 * blob with HEAD, upload only what is missing (POST, then PUT with the digest), then PUT the
 * manifest. Used to put images into the lab's registry without an engine, and by the tests.
 */
import { createHash } from "node:crypto";
import { registryErrorText, request } from "./api.ts";

/** The digest of some bytes, `sha256:<hex>`. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Uploads a blob unless the repository holds it already; says which of the two happened. */
export async function pushBlob(
  address: string,
  repository: string,
  bytes: Uint8Array,
): Promise<{ digest: string; uploaded: boolean }> {
  const digest = sha256Digest(bytes);
  const blobUrl = `http://${address}/v2/${repository}/blobs/${digest}`;

  // Ask first: a blob that is there is not sent again.
  const head = await request(blobUrl, { method: "HEAD" });
  await head.body?.cancel();
  if (head.status === 200) return { digest, uploaded: false };

  // Open an upload session; the registry answers where to send the bytes.
  const start = await request(`http://${address}/v2/${repository}/blobs/uploads/`, {
    method: "POST",
  });
  await expectStatus(start, 202, `POST /v2/${repository}/blobs/uploads/`);
  const location = start.headers.get("location");
  if (!location) throw new Error(`Expected a Location header from POST /v2/${repository}/blobs/…`);

  // Send the whole blob in one PUT that names its digest, which closes the upload.
  const target = new URL(location, `http://${address}`);
  target.searchParams.set("digest", digest);
  const put = await request(target.href, {
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    body: new Uint8Array(bytes),
  });
  await expectStatus(put, 201, `PUT ${target.pathname}?digest=${digest}`);
  return { digest, uploaded: true };
}

/** PUTs a manifest under a tag or its digest and returns its digest. */
export async function pushManifest(
  address: string,
  repository: string,
  reference: string,
  mediaType: string,
  bytes: Uint8Array,
): Promise<string> {
  const put = await request(`http://${address}/v2/${repository}/manifests/${reference}`, {
    method: "PUT",
    headers: { "content-type": mediaType },
    body: new Uint8Array(bytes),
  });
  await expectStatus(put, 201, `PUT /v2/${repository}/manifests/${reference}`);
  return sha256Digest(bytes);
}

async function expectStatus(response: Response, status: number, what: string): Promise<void> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (response.status === status) return;
  throw new Error(
    `Expected ${what} to answer ${status}, got ${response.status} ${registryErrorText(bytes)}`,
  );
}
