/**
 * The registry's access log: distribution 2.8 wraps its HTTP handler in gorilla's combined-log
 * middleware, which writes one Apache combined-log line per request on stdout, e.g.
 *
 *     127.0.0.1 - - [03/Dec/2026:15:51:40 +0000] "HEAD /v2/x/y/blobs/sha256:b9a9… HTTP/1.1" 200 0
 *     "" "buildkit/v0.0-dev"
 *
 * (one line in the file). *
 * Its own logrus lines go to stderr, so the access log holds requests only; anything else that
 * turns up is kept aside as unknown rather than failing the run.
 */
import { open, stat } from "node:fs/promises";
import type { RegistryRequest } from "../experiment/types.ts";

/** Requests parsed from some lines of the access log, and the lines that were not requests. */
export interface AccessLogLines {
  requests: RegistryRequest[];
  unknown: string[];
}

/** What one incremental read found, and where the next read starts. */
export interface AccessLogRead extends AccessLogLines {
  nextOffset: number;
}

// Host, identity, user, [time], "request line", status, size, "referer", "user agent". Quoted
// fields may hold backslash escapes, which gorilla writes for quotes and control characters.
const quoted = String.raw`"((?:[^"\\]|\\.)*)"`;
const combinedLine = new RegExp(
  String.raw`^(\S+) (\S+) (\S+) \[([^\]]+)\] ${quoted} (\d{3}) (\d+|-)(?: ${quoted} ${quoted})?$`,
);

// Apache's time format: 03/Dec/2026:15:51:40 +0000.
const apacheTime =
  /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// A digest as the distribution spec defines it: algorithm, colon, encoded hash.
const digestPattern = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Parses one access-log line, or returns undefined when the line is not a request. */
export function parseAccessLine(line: string): RegistryRequest | undefined {
  const match = combinedLine.exec(line);
  if (!match) return undefined;
  const [, , , , time, requestLine, status] = match;

  // The request line is `METHOD URI PROTOCOL`; a malformed request may log something else.
  const parts = requestLine.split(" ");
  if (parts.length !== 3) return undefined;
  const [method, uri] = parts;

  const iso = isoTime(time);
  if (!iso) return undefined;
  const path = withoutUploadState(uri);
  const digest = requestDigest(path);
  return digest
    ? { time: iso, method, path, status: Number(status), digest }
    : {
        time: iso,
        method,
        path,
        status: Number(status),
      };
}

/** Parses a chunk of the access log, line by line, keeping lines that are not requests aside. */
export function parseAccessLog(text: string): AccessLogLines {
  const requests: RegistryRequest[] = [];
  const unknown: string[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const request = parseAccessLine(line);
    if (request) requests.push(request);
    else unknown.push(line);
  }
  return { requests, unknown };
}

/**
 * Reads the access log from a byte offset to its last complete line. A run takes the log's size
 * before a push (`accessLogSize`) and reads from there afterwards, so it sees only that push; a
 * line the registry is still writing is left for the next read.
 */
export async function readAccessLog(file: string, fromOffset = 0): Promise<AccessLogRead> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    if (size < fromOffset) {
      throw new Error(
        `Expected the access log ${file} to hold at least ${fromOffset} bytes, found ${size}: ` +
          "it was truncated or replaced since the offset was taken; take a new offset",
      );
    }
    const buffer = Buffer.alloc(size - fromOffset);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, fromOffset);
    const end = buffer.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
    const text = buffer.subarray(0, end).toString("utf8");
    return { ...parseAccessLog(text), nextOffset: fromOffset + end };
  } finally {
    await handle.close();
  }
}

/** The access log's size in bytes, 0 when it does not exist yet: the offset to read a push from. */
export async function accessLogSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

/** The repository a `/v2/<name>/…` path addresses, if any. */
export function requestRepository(path: string): string | undefined {
  const route = /^\/v2\/(.+?)\/(?:blobs|manifests|tags)\//.exec(path.split("?")[0]);
  return route?.[1];
}

/**
 * The blob or manifest digest a request is about: the last path segment of `blobs/<digest>` and
 * `manifests/<digest>`, the `mount` parameter of a cross-repository mount, or the `digest`
 * parameter that completes an upload.
 */
export function requestDigest(path: string): string | undefined {
  const [route, query = ""] = splitOnce(path, "?");
  const params = new URLSearchParams(query);

  const named = /\/(?:blobs|manifests)\/([^/]+)$/.exec(route)?.[1];
  if (named && named !== "uploads" && digestPattern.test(named)) return named;

  if (/\/blobs\/uploads(?:\/[^/]*)?$/.test(route)) {
    const digest = params.get("mount") ?? params.get("digest");
    if (digest && digestPattern.test(digest)) return digest;
  }
  return undefined;
}

// The `_state` parameter of an upload URL is an opaque signed token, a few hundred characters that
// say nothing a reader of the evidence needs; the rest of the query (digest, mount, from) stays.
function withoutUploadState(uri: string): string {
  const [route, query] = splitOnce(uri, "?");
  if (query === undefined || !query.includes("_state=")) return uri;
  const kept = query.split("&").filter((pair) => !pair.startsWith("_state="));
  return kept.length > 0 ? `${route}?${kept.join("&")}` : route;
}

function isoTime(time: string): string | undefined {
  const match = apacheTime.exec(time);
  if (!match) return undefined;
  const [, day, month, year, hour, minute, second, sign, offsetHours, offsetMinutes] = match;
  const monthIndex = months.indexOf(month);
  if (monthIndex < 0) return undefined;
  const local = Date.UTC(+year, monthIndex, +day, +hour, +minute, +second);
  const offset = (sign === "-" ? -1 : 1) * (+offsetHours * 60 + +offsetMinutes) * 60_000;
  return new Date(local - offset).toISOString().replace(".000Z", "Z");
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}
