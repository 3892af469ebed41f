import { spawn } from "node:child_process";
import { existsSync, openSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { UserError } from "../core/errors.ts";

/** A daemon the lab started, identified by pid and the binary it runs. */
export interface DaemonRecord {
  name: string;
  pid: number;
  binary: string;
  logFile: string;
}

/**
 * Starts a long-running daemon detached from this process, so it outlives the `up` command, with
 * both output streams appended to its log file.
 */
export function startDaemon(
  name: string,
  binary: string,
  args: string[],
  options: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string },
): DaemonRecord {
  const log = openSync(options.logFile, "a");
  const child = spawn(binary, args, {
    detached: true,
    stdio: ["ignore", log, log],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  if (child.pid === undefined) {
    throw new UserError(`could not start ${name} (${binary})`, {
      hint: `read ${options.logFile}`,
    });
  }
  child.unref();
  return { name, pid: child.pid, binary, logFile: options.logFile };
}

/** The executable a process runs, or undefined when it is gone (or a zombie). */
function processExe(pid: number): string | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    if (/^State:\s+Z/m.test(status)) return undefined;
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, "");
  } catch {
    return undefined;
  }
}

/**
 * True when the pid still runs the daemon's own binary. Checking the binary, not just the pid,
 * keeps the lab from ever signalling an unrelated process that reused the number.
 */
export function isAlive(daemon: Pick<DaemonRecord, "pid" | "binary">): boolean {
  const exe = processExe(daemon.pid);
  return exe !== undefined && exe === daemon.binary;
}

/**
 * Live processes whose executable lies below one of the given folders and whose command line
 * mentions `marker` (a lab's run folder), so one lab never touches another lab's processes.
 */
export function processesUnder(folders: string[], marker: string): { pid: number; exe: string }[] {
  const found: { pid: number; exe: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const exe = processExe(pid);
    if (!exe || !folders.some((folder) => exe.startsWith(`${folder}/`))) continue;
    if (commandLine(pid).includes(marker)) found.push({ pid, exe });
  }
  return found;
}

/** A process's command line with its arguments joined by spaces; empty when it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL; resolves once the process is gone. */
export async function stopDaemon(
  daemon: Pick<DaemonRecord, "pid" | "binary">,
  graceMs = 15_000,
): Promise<"stopped" | "killed" | "not-running"> {
  if (!isAlive(daemon)) return "not-running";
  try {
    process.kill(daemon.pid, "SIGTERM");
  } catch {
    return "not-running";
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(daemon)) return "stopped";
    await sleep(100);
  }
  try {
    process.kill(daemon.pid, "SIGKILL");
  } catch {
    return "stopped";
  }
  while (isAlive(daemon)) await sleep(50);
  return "killed";
}

/** Last lines of a log file, for an error message. */
export function tailFile(file: string, lines = 5): string {
  if (!existsSync(file)) return "(no log written)";
  return readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n    ");
}

/** Resolves when a unix socket accepts a connection. */
function socketAccepts(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const connection = net.connect(socket);
    connection.once("connect", () => {
      connection.destroy();
      resolve(true);
    });
    connection.once("error", () => resolve(false));
  });
}

/**
 * Waits until `ready()` is true, failing early when the daemon dies and with a message naming its
 * log file when the time runs out.
 */
export async function waitUntil(
  daemon: DaemonRecord,
  what: string,
  ready: () => Promise<boolean>,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    options.signal?.throwIfAborted();
    if (await ready()) return;
    if (!isAlive(daemon)) {
      throw new UserError(`${daemon.name} exited before ${what}`, {
        hint: `read ${daemon.logFile}; its last lines:\n    ${tailFile(daemon.logFile)}`,
      });
    }
    await sleep(100);
  }
  throw new UserError(`${daemon.name} did not get ready (${what}) in time`, {
    hint: `read ${daemon.logFile}; its last lines:\n    ${tailFile(daemon.logFile)}`,
  });
}

/** Waits for a daemon's unix socket to accept connections. */
export function waitForSocket(
  daemon: DaemonRecord,
  socket: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  return waitUntil(daemon, `listening on ${socket}`, () => socketAccepts(socket), options);
}

/** True when an HTTP server on a unix socket answers `GET path` with 200. */
export function httpOnSocketOk(socket: string, urlPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath: socket, path: urlPath, timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.once("error", () => resolve(false));
    request.once("timeout", () => {
      request.destroy();
      resolve(false);
    });
  });
}
