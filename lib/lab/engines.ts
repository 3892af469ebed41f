import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Effects, formatDuration } from "../core/effects.ts";
import {
  type DaemonRecord,
  httpOnSocketOk,
  isAlive,
  startDaemon,
  stopDaemon,
  waitForSocket,
  waitUntil,
} from "./process.ts";

/** The image store behind a lab builder: Docker's classic graphdriver or containerd's snapshotter. */
export type WorkerMode = "graphdriver" | "containerd";

export const WORKER_MODES: WorkerMode[] = ["graphdriver", "containerd"];

/** A lab builder as configured: one containerd and one dockerd of one generation. */
export interface EngineSpec {
  name: string;
  generation: string;
  mode: WorkerMode;
  /** Folder the generation's packages were unpacked into. */
  root: string;
  /** Folder of the shared packages (runc). */
  commonRoot: string;
  /** Folder for this builder's sockets, data, logs and client configuration. */
  dir: string;
}

/** A lab builder as started: where it listens and which processes it is. */
export interface EngineState {
  name: string;
  generation: string;
  mode: WorkerMode;
  dir: string;
  socket: string;
  /** The generation's docker CLI. */
  docker: string;
  /** Client configuration folder holding the generation's buildx in `cli-plugins`. */
  dockerConfig: string;
  containerd: DaemonRecord;
  dockerd: DaemonRecord;
}

/** Paths of one builder's files. */
export function engineFiles(spec: Pick<EngineSpec, "dir" | "root">) {
  const { dir, root } = spec;
  return {
    containerdConfig: path.join(dir, "containerd.toml"),
    containerdSocket: path.join(dir, "containerd.sock"),
    containerdRoot: path.join(dir, "containerd", "root"),
    containerdState: path.join(dir, "containerd", "state"),
    daemonConfig: path.join(dir, "daemon.json"),
    dockerSocket: path.join(dir, "docker.sock"),
    dataRoot: path.join(dir, "docker"),
    execRoot: path.join(dir, "exec"),
    dockerPid: path.join(dir, "docker.pid"),
    dockerConfig: path.join(dir, "client"),
    containerdLog: path.join(dir, "containerd.log"),
    dockerdLog: path.join(dir, "dockerd.log"),
    containerdBin: path.join(root, "usr", "bin", "containerd"),
    dockerdBin: path.join(root, "usr", "sbin", "dockerd"),
    dockerBin: path.join(root, "usr", "bin", "docker"),
    buildxBin: path.join(root, "usr", "libexec", "docker", "cli-plugins", "docker-buildx"),
  };
}

/** containerd's configuration: its own sockets and folders, and no Kubernetes (CRI) plugin. */
export function containerdConfig(files: ReturnType<typeof engineFiles>): string {
  return [
    "version = 2",
    `root = "${files.containerdRoot}"`,
    `state = "${files.containerdState}"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    "[grpc]",
    `  address = "${files.containerdSocket}"`,
    "[ttrpc]",
    `  address = "${files.containerdSocket}.ttrpc"`,
    "[debug]",
    '  address = ""',
    "[metrics]",
    '  address = ""',
    "",
  ].join("\n");
}

/**
 * dockerd's configuration. The worker mode is the only difference between the two builders of a
 * generation; every loopback registry is declared insecure so pushes to the lab registry work.
 */
export function daemonConfig(mode: WorkerMode): Record<string, unknown> {
  return {
    features: { "containerd-snapshotter": mode === "containerd" },
    ...(mode === "graphdriver" ? { "storage-driver": "overlay2" } : {}),
    "insecure-registries": ["127.0.0.0/8"],
    "log-level": "info",
  };
}

/** The environment under which a builder's daemons run: the generation's binaries come first. */
function daemonEnv(spec: EngineSpec): NodeJS.ProcessEnv {
  const bins = [
    path.join(spec.root, "usr", "bin"),
    path.join(spec.root, "usr", "sbin"),
    path.join(spec.commonRoot, "usr", "sbin"),
    path.join(spec.commonRoot, "usr", "bin"),
  ];
  return { ...process.env, PATH: [...bins, process.env.PATH ?? "/usr/bin:/bin"].join(":") };
}

/** Starts one builder's containerd and dockerd and waits for both sockets. */
export async function startEngine(spec: EngineSpec, effects: Effects): Promise<EngineState> {
  const files = engineFiles(spec);
  await mkdir(spec.dir, { recursive: true });
  await mkdir(path.join(files.dockerConfig, "cli-plugins"), { recursive: true });
  await writeFile(files.containerdConfig, containerdConfig(files));
  await writeFile(files.daemonConfig, `${JSON.stringify(daemonConfig(spec.mode), null, 2)}\n`);
  await writeFile(path.join(files.dockerConfig, "config.json"), "{}\n");
  const plugin = path.join(files.dockerConfig, "cli-plugins", "docker-buildx");
  await rm(plugin, { force: true });
  await symlink(files.buildxBin, plugin);
  // Sockets of an earlier run that died would make the readiness check pass too early.
  await rm(files.containerdSocket, { force: true });
  await rm(files.dockerSocket, { force: true });

  const env = daemonEnv(spec);
  const started: DaemonRecord[] = [];
  try {
    const began = effects.now();
    const containerd = startDaemon(
      `${spec.name} containerd`,
      files.containerdBin,
      ["--config", files.containerdConfig],
      { logFile: files.containerdLog, env },
    );
    started.push(containerd);
    await waitForSocket(containerd, files.containerdSocket, { signal: effects.signal });
    effects.log(
      `start ${spec.name} containerd (pid ${containerd.pid}) → ok in ${formatDuration(effects.now() - began)}`,
    );

    const dockerdBegan = effects.now();
    const dockerd = startDaemon(
      `${spec.name} dockerd`,
      files.dockerdBin,
      [
        "--config-file",
        files.daemonConfig,
        "--containerd",
        files.containerdSocket,
        "--host",
        `unix://${files.dockerSocket}`,
        "--data-root",
        files.dataRoot,
        "--exec-root",
        files.execRoot,
        "--pidfile",
        files.dockerPid,
        "--iptables=false",
        "--ip6tables=false",
        "--bridge=none",
      ],
      { logFile: files.dockerdLog, env },
    );
    started.push(dockerd);
    // The socket accepts connections before the API is ready; `/_ping` answers once it is.
    await waitUntil(
      dockerd,
      "answering /_ping",
      () => httpOnSocketOk(files.dockerSocket, "/_ping"),
      {
        signal: effects.signal,
      },
    );
    effects.log(
      `start ${spec.name} dockerd (pid ${dockerd.pid}) → ok in ${formatDuration(effects.now() - dockerdBegan)}`,
    );
    return {
      name: spec.name,
      generation: spec.generation,
      mode: spec.mode,
      dir: spec.dir,
      socket: files.dockerSocket,
      docker: files.dockerBin,
      dockerConfig: files.dockerConfig,
      containerd,
      dockerd,
    };
  } catch (error) {
    // Nothing half-started is left behind: stop what this call started, newest first.
    for (const daemon of started.reverse()) await stopDaemon(daemon);
    throw error;
  }
}

/** True when both of a builder's daemons still run. */
export function engineAlive(state: EngineState): boolean {
  return isAlive(state.containerd) && isAlive(state.dockerd);
}

/** Stops dockerd first (it stops its BuildKit), then containerd. */
export async function stopEngine(state: EngineState, effects: Effects): Promise<void> {
  const began = effects.now();
  await stopDaemon(state.dockerd);
  await stopDaemon(state.containerd);
  effects.log(`stop ${state.name} → ok in ${formatDuration(effects.now() - began)}`);
}

/** The environment under which the docker CLI talks to a lab builder. */
export function clientEnv(
  state: Pick<EngineState, "socket" | "dockerConfig">,
): Record<string, string> {
  return {
    DOCKER_HOST: `unix://${state.socket}`,
    DOCKER_CONFIG: state.dockerConfig,
    DOCKER_CLI_HINTS: "false",
    BUILDX_NO_DEFAULT_LOAD: "1",
  };
}
