import type { Effects } from "../core/effects.ts";
import * as registry from "../registry/process.ts";

/** The lab's registry as recorded in the state file. */
export interface RegistryState {
  address: string;
  pid: number;
  dir: string;
  accessLog: string;
  logFile: string;
  configFile: string;
}

/** Starts the lab's registry in its folder, keeping the data of an earlier start. */
export async function startRegistry(
  binary: string,
  dir: string,
  effects: Effects,
): Promise<RegistryState> {
  const running = await registry.startRegistry({
    binary,
    dir,
    signal: effects.signal,
    log: effects.log,
  });
  return pick(running, dir);
}

/** The registry recorded in the state, if it still runs. */
export async function runningRegistry(state: RegistryState): Promise<RegistryState | undefined> {
  const running = await registry.registryAlive(state.dir);
  return running ? pick(running, state.dir) : undefined;
}

export async function stopRegistry(state: RegistryState, effects: Effects): Promise<void> {
  const began = effects.now();
  await registry.stopRegistry(state.pid, state.configFile);
  effects.log(`stop registry ${state.address} → ok in ${effects.now() - began}ms`);
}

function pick(running: registry.RunningRegistry, dir: string): RegistryState {
  return {
    address: running.address,
    pid: running.pid,
    dir,
    accessLog: running.accessLog,
    logFile: running.logFile,
    configFile: running.configFile,
  };
}
