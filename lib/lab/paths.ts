import os from "node:os";
import path from "node:path";

/**
 * Where the lab keeps everything: downloaded packages, unpacked engines, and the running builders'
 * state. `BUILDKIT_LAB_DIR` overrides it; otherwise it is a per-user cache folder.
 */
export function labDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BUILDKIT_LAB_DIR) return path.resolve(env.BUILDKIT_LAB_DIR);
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(cache, "buildkit-merge-test");
}

/**
 * The lab's folders. Downloads and unpacked engines live below `root`; the running daemons below
 * `run` (`BUILDKIT_LAB_RUN_DIR`), which a test may put elsewhere to run a lab of its own beside the
 * user's.
 */
export function labPaths(
  root: string = labDir(),
  run: string = process.env.BUILDKIT_LAB_RUN_DIR || path.join(root, "run"),
) {
  return {
    root,
    /** apt's private state: sources list, package lists, its cache. */
    apt: path.join(root, "apt"),
    /** Downloaded .deb files, kept so that a second `up` downloads nothing. */
    debs: path.join(root, "debs"),
    /** Packages unpacked with `dpkg -x`, one folder per engine generation plus `common`. */
    roots: path.join(root, "roots"),
    /** Running daemons: one folder per builder, and the registry's. */
    run,
    /** What `up` started, read by `status` and `down`. */
    state: path.join(run, "lab.json"),
  };
}

export type LabPaths = ReturnType<typeof labPaths>;
