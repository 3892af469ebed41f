/**
 * The lab's registry: Debian's `docker-registry` (distribution 2.8) serving plain http on loopback,
 * started detached so that it outlives the command that started it. Everything it needs and writes
 * lives in one folder:
 *
 *     config.yml     the configuration this module writes
 *     data/          the filesystem storage
 *     access.log     stdout: one combined-log line per request (see access-log.ts)
 *     registry.log   stderr: the registry's own logrus lines
 *     registry.pid   the process id, to find and stop it again
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Effects, timed } from "../core/effects.ts";
import { UserError } from "../core/errors.ts";
import { writeFileAtomic } from "../core/files.ts";

/** A registry this module started, or found running in its folder. */
export interface RunningRegistry {
  /** `127.0.0.1:PORT`, as image references and the registry API use it. */
  address: string;
  /** The access log (the process's stdout). */
  accessLog: string;
  /** The registry's own log (its stderr). */
  logFile: string;
  pid: number;
  pidFile: string;
  configFile: string;
  /** Stops the process by its pid and waits until it is gone. */
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Path of the `docker-registry` binary. */
  binary: string;
  /** The registry's folder; created if missing. Data from an earlier start is kept. */
  dir: string;
  /** Port on 127.0.0.1; a free one is picked when left out. */
  port?: number;
  signal?: AbortSignal;
  /** Receives one progress line per unit of work. */
  log?: (line: string) => void;
  /** How long to wait for `GET /v2/` to answer; 15 s unless told. */
  timeoutMs?: number;
}

/** The files of a registry folder. */
export function registryFiles(dir: string) {
  return {
    configFile: path.join(dir, "config.yml"),
    dataDir: path.join(dir, "data"),
    accessLog: path.join(dir, "access.log"),
    logFile: path.join(dir, "registry.log"),
    pidFile: path.join(dir, "registry.pid"),
  };
}

/**
 * Starts the registry detached and waits until `GET /v2/` answers. Fails, naming the log file,
 * when the process exits or does not answer in time; a process it started is stopped again then.
 */
export async function startRegistry(options: StartRegistryOptions): Promise<RunningRegistry> {
  const { binary, dir, signal = new AbortController().signal, timeoutMs = 15_000 } = options;
  const effects: Effects = { log: options.log ?? (() => {}), now: () => Date.now(), signal };
  const files = registryFiles(dir);

  // A second registry on the same folder would share its storage and logs: refuse it.
  const running = await registryAlive(dir);
  if (running) {
    throw new UserError(
      `Expected no registry running in ${dir}, found pid ${running.pid} at ${running.address}`,
      { hint: "reuse it (registryAlive) or stop it first" },
    );
  }

  const port = options.port ?? (await freePort());
  const address = `127.0.0.1:${port}`;
  return timed(effects, `start registry ${address}`, async () => {
    // Someone else answering on the port would pass the readiness check in our stead.
    if (options.port !== undefined && !(await portFree(port))) {
      throw new UserError(`Expected port ${port} on 127.0.0.1 to be free, it is in use`, {
        hint: "stop what listens there or leave the port out to get a free one",
      });
    }

    await mkdir(files.dataDir, { recursive: true });
    await writeFileAtomic(files.configFile, registryConfig(address, files.dataDir));

    // The shell only sets up the redirections and then becomes the registry (exec), so the pid
    // is the registry's. Appending keeps earlier lines, and with them the offsets of earlier runs.
    const child = spawn(
      "/bin/sh",
      [
        "-c",
        'exec "$0" serve "$1" >>"$2" 2>>"$3"',
        binary,
        files.configFile,
        files.accessLog,
        files.logFile,
      ],
      { detached: true, stdio: "ignore" },
    );
    let exited: string | undefined;
    child.on("exit", (code, name) => {
      exited = name ? `killed by ${name}` : `exited with code ${code}`;
    });
    const spawnError = new Promise<never>((_, reject) => child.on("error", reject));
    spawnError.catch(() => {});
    child.unref();
    const pid = child.pid;
    if (pid === undefined) {
      await spawnError;
      throw new Error(`Expected /bin/sh to start ${binary}, it did not get a pid`);
    }
    await writeFileAtomic(files.pidFile, `${pid}\n`);
    const registry = handle(address, pid, files);

    // Poll the API root until it answers; stop early when the process is gone.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) {
        await rm(files.pidFile, { force: true });
        throw await startFailure(binary, files.logFile, exited);
      }
      if (await answersV2(address)) return registry;
      if (Date.now() >= deadline || signal.aborted) {
        await registry.stop();
        if (signal.aborted) throw signal.reason;
        throw await startFailure(
          binary,
          files.logFile,
          `did not answer GET /v2/ in ${timeoutMs}ms`,
        );
      }
      await sleep(100);
    }
  });
}

/**
 * The registry running in `dir`, if any: its pid file names a live `docker-registry serve` of this
 * folder's config, and `GET /v2/` answers at the address in that config. Lets a second `up` reuse
 * the registry the first one started.
 */
export async function registryAlive(dir: string): Promise<RunningRegistry | undefined> {
  const files = registryFiles(dir);
  const pid = await readPid(files.pidFile);
  if (pid === undefined || !(await isOurRegistry(pid, files.configFile))) return undefined;

  const config = await readFile(files.configFile, "utf8").catch(() => "");
  const address = /^\s*addr:\s*(\S+)\s*$/m.exec(config)?.[1];
  if (!address || !(await answersV2(address))) return undefined;
  return handle(address, pid, files);
}

/**
 * Stops the registry with this pid: SIGTERM, then SIGKILL after `graceMs`. Only a process that is a
 * `docker-registry serve` of `configFile` is signalled, so a stale pid file cannot hit another one.
 */
export async function stopRegistry(pid: number, configFile: string, graceMs = 5000) {
  if (!(await isOurRegistry(pid, configFile))) return;
  signalProcess(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (processExists(pid)) {
    if (Date.now() >= deadline) {
      signalProcess(pid, "SIGKILL");
      await sleep(100);
      break;
    }
    await sleep(50);
  }
}

/** A port on 127.0.0.1 that was free a moment ago: bind port 0, read the port, let it go. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") {
    throw new Error("Expected a TCP address from listening on port 0");
  }
  return address.port;
}

/** The configuration: filesystem storage, loopback http, no auth, info logs, access log on. */
export function registryConfig(address: string, dataDir: string): string {
  // Without a secret for signing upload state the registry makes one up and warns about it.
  const secret = randomBytes(16).toString("hex");
  return [
    "version: 0.1",
    "log:",
    "  level: info",
    "  formatter: text",
    "  accesslog:",
    "    disabled: false",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${JSON.stringify(dataDir)}`,
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: ${address}`,
    `  secret: ${secret}`,
    "",
  ].join("\n");
}

function handle(
  address: string,
  pid: number,
  files: ReturnType<typeof registryFiles>,
): RunningRegistry {
  return {
    address,
    accessLog: files.accessLog,
    logFile: files.logFile,
    pid,
    pidFile: files.pidFile,
    configFile: files.configFile,
    async stop() {
      await stopRegistry(pid, files.configFile);
      await rm(files.pidFile, { force: true });
    },
  };
}

async function answersV2(address: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${address}/v2/`, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  const free = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => resolve(true));
  });
  if (free) await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}

async function readPid(pidFile: string): Promise<number | undefined> {
  const text = await readFile(pidFile, "utf8").catch(() => "");
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

// On Linux the command line tells whether the pid still belongs to this folder's registry; where
// /proc is missing, a live pid from our own pid file is the best there is.
async function isOurRegistry(pid: number, configFile: string): Promise<boolean> {
  if (!processExists(pid)) return false;
  let cmdline: string;
  try {
    cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return process.platform !== "linux";
  }
  const argv = cmdline.split("\0");
  return argv.includes("serve") && argv.includes(configFile);
}

// A zombie (exited, not yet reaped by its parent) still takes signal 0, so /proc decides on Linux.
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

function signalProcess(pid: number, name: NodeJS.Signals) {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

async function startFailure(binary: string, logFile: string, what: string): Promise<UserError> {
  // The last lines of the registry's own log usually say why (a bad config, a port in use).
  const log = await readFile(logFile, "utf8").catch(() => "");
  const tail = log.trimEnd().split("\n").slice(-5).join("\n  ");
  return new UserError(`Expected ${binary} to serve the registry, it ${what}`, {
    hint: tail ? `see ${logFile}; its last lines:\n  ${tail}` : `see ${logFile}`,
  });
}
