/**
 * Runs one `docker buildx build --progress=rawjson …` and keeps what it said: the raw stream in a
 * file as it arrives, the trace parsed from it at the same time, the exit code, stdout and the
 * text buildx adds after the stream when a build fails.
 */
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { UserError } from "../core/errors.ts";
import { TraceBuilder } from "./model.ts";
import { ProgressParser } from "./parser.ts";
import type { Trace } from "./types.ts";

export interface CaptureOptions {
  /** The `docker` argv after `docker`, e.g. `["buildx", "build", "--progress=rawjson", "."]`. */
  args: string[];
  cwd: string;
  /** Added to this process's environment (DOCKER_HOST, DOCKER_CONFIG, PATH …). */
  env?: Record<string, string>;
  /** Where the raw stream goes, byte for byte, as it arrives. */
  streamFile: string;
  /** Aborting kills the build; the capture then resolves with what it has. */
  signal?: AbortSignal;
  /** Called with a fresh snapshot while the build runs (at most every 250ms) and once at the end. */
  onTrace?: (trace: Trace) => void;
}

export interface CaptureResult {
  /** The build's exit code; -1 when it was killed (aborted) or died of a signal. */
  exitCode: number;
  stdout: string;
  /** The text buildx printed around the JSON stream, such as the error of a failed build. */
  errorText: string;
  trace: Trace;
  startedAt: string;
  endedAt: string;
  durationMs: number;
}

const SNAPSHOT_INTERVAL_MS = 250;

/**
 * Captures one build. A build that fails is data, not an error: the promise rejects only when
 * `docker` cannot be started at all.
 */
export async function captureBuild(options: CaptureOptions): Promise<CaptureResult> {
  const { args, cwd, env, streamFile, signal, onTrace } = options;
  await mkdir(path.dirname(streamFile), { recursive: true });

  // The raw stream is written as it arrives (not atomically) so that it can be followed live and
  // so that a build that is killed still leaves everything it printed.
  const file = createWriteStream(streamFile);
  const builder = new TraceBuilder();
  const parser = new ProgressParser({
    file: streamFile,
    onEvent: (event) => builder.add(event),
    onError: (error) => builder.fail(error),
  });

  // Snapshots for a watcher are throttled: each one copies the whole trace.
  let lastSnapshot = 0;
  const notify = () => {
    if (!onTrace) return;
    const now = Date.now();
    if (now - lastSnapshot < SNAPSHOT_INTERVAL_MS) return;
    lastSnapshot = now;
    onTrace(builder.trace());
  };

  const started = Date.now();
  const subprocess = execa("docker", args, {
    cwd,
    env: env ?? {},
    extendEnv: true,
    stdin: "ignore",
    reject: false,
    buffer: { stdout: true, stderr: false },
    stripFinalNewline: false,
    ...(signal ? { cancelSignal: signal } : {}),
  });
  subprocess.stderr?.on("data", (chunk: Uint8Array) => {
    file.write(chunk);
    parser.push(chunk);
    notify();
  });

  const result = await subprocess;
  const ended = Date.now();
  await new Promise<void>((resolve, reject) => {
    file.end((error?: Error | null) => (error ? reject(error) : resolve()));
  });

  // A failure to start at all (no `docker` on PATH, a bad cwd) has no exit code and no stream.
  if (result.exitCode === undefined && !result.isCanceled && !result.signal) {
    const reason = result.originalMessage || result.shortMessage;
    throw new UserError(`could not start docker ${args.slice(0, 2).join(" ")}: ${reason}`, {
      hint: "check that the docker CLI with buildx is installed and on PATH",
      cause: result,
    });
  }

  parser.end();
  const trace = builder.trace();
  onTrace?.(trace);
  return {
    exitCode: result.exitCode ?? -1,
    stdout: typeof result.stdout === "string" ? result.stdout : "",
    errorText: trace.text.map((text) => text.text).join("\n"),
    trace,
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(ended).toISOString(),
    durationMs: ended - started,
  };
}
