import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { type Effects, formatBytes, formatDuration } from "../core/effects.ts";
import { UserError } from "../core/errors.ts";
import { writeJsonAtomic } from "../core/files.ts";
import type { LabPaths } from "./paths.ts";

/** One engine generation: every package of it comes from one Debian suite. */
export interface Generation {
  name: string;
  suite: string;
  packages: string[];
}

/**
 * The two engine generations the lab runs. trixie brings dockerd 26.1 with BuildKit 0.13 and buildx
 * 0.13 (pretty-printed rawjson); sid brings dockerd 28 and buildx 0.29 (one JSON object per line).
 */
export const GENERATIONS: Generation[] = [
  {
    name: "trixie",
    suite: "trixie",
    packages: ["docker.io", "containerd", "docker-buildx", "docker-cli"],
  },
  {
    name: "sid",
    suite: "sid",
    packages: ["docker.io", "containerd", "docker-buildx", "docker-cli"],
  },
];

/**
 * Packages every generation shares. The newer suites' runc wants a newer libc than Debian 12 has,
 * so runc comes from bookworm; dockerd will not start BuildKit without it. busybox-static gives the
 * lab's base images a shell, since no base image can be pulled from Docker Hub here.
 */
export const COMMON: Generation = {
  name: "common",
  suite: "bookworm",
  packages: ["runc", "docker-registry/trixie", "busybox-static"],
};

export interface PackageFile {
  package: string;
  suite: string;
  version: string;
  file: string;
  bytes: number;
  /** The lowest libc the package needs, from its Depends field. */
  libc?: string;
}

export interface GenerationPackages {
  generation: string;
  packages: PackageFile[];
  /** Folder the packages were unpacked into. */
  root: string;
  /** Why this generation cannot run here, if it cannot. */
  skipped?: string;
}

/** Splits `name/suite` into its parts, defaulting to the generation's suite. */
function packageSpec(spec: string, suite: string) {
  const [name, override] = spec.split("/");
  return { name, suite: override ?? suite };
}

/**
 * Finds the Debian archive the system's apt already uses, so that the lab asks the same mirror for
 * the other suites without naming any host itself. `BUILDKIT_LAB_DEBIAN_URI` overrides it.
 */
export async function debianArchiveUri(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.BUILDKIT_LAB_DEBIAN_URI) return env.BUILDKIT_LAB_DEBIAN_URI;
  const { stdout } = await execa("apt-get", [
    "indextargets",
    "--format",
    "$(REPO_URI)\t$(ORIGIN)\t$(LABEL)",
  ]).catch((error) => {
    throw new UserError("could not ask apt which Debian archive this system uses", {
      hint: "the lab needs apt; set BUILDKIT_LAB_DEBIAN_URI to a Debian archive URI, or use your own builders",
      cause: error,
    });
  });
  for (const line of stdout.split("\n")) {
    const [uri, origin, label] = line.split("\t");
    if (origin === "Debian" && label === "Debian" && uri) return uri;
  }
  throw new UserError("apt lists no Debian archive (origin and label Debian) on this system", {
    hint: "run `apt-get update` once, or set BUILDKIT_LAB_DEBIAN_URI to a Debian archive URI",
  });
}

/** Options that point apt at the lab's own sources, lists and cache and nothing of the system's. */
function aptOptions(paths: LabPaths): string[] {
  const etc = path.join(paths.apt, "etc");
  return [
    `-o=Dir::Etc::SourceList=${path.join(etc, "sources.list")}`,
    `-o=Dir::Etc::SourceParts=${path.join(etc, "sources.list.d")}`,
    `-o=Dir::Etc::Preferences=${path.join(etc, "preferences")}`,
    `-o=Dir::Etc::PreferencesParts=${path.join(etc, "preferences.d")}`,
    `-o=Dir::State::Lists=${path.join(paths.apt, "lists")}`,
    `-o=Dir::State::status=/dev/null`,
    `-o=Dir::Cache=${path.join(paths.apt, "cache")}`,
    "-o=APT::Sandbox::User=root",
    "-o=Debug::NoLocking=1",
    "-q",
  ];
}

/** Writes the private sources list naming every suite the lab takes packages from. */
async function prepareApt(paths: LabPaths, uri: string, suites: string[]) {
  const etc = path.join(paths.apt, "etc");
  for (const dir of [
    path.join(etc, "sources.list.d"),
    path.join(etc, "preferences.d"),
    path.join(paths.apt, "lists", "partial"),
    path.join(paths.apt, "cache", "archives", "partial"),
  ]) {
    await mkdir(dir, { recursive: true });
  }
  const keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
  const lines = suites.map((suite) => `deb [signed-by=${keyring}] ${uri} ${suite} main`);
  await writeFile(path.join(etc, "sources.list"), `${lines.join("\n")}\n`);
}

/** Reads one control field of a .deb. */
async function debField(file: string, field: string): Promise<string> {
  const { stdout } = await execa("dpkg-deb", ["-f", file, field]);
  return stdout.trim();
}

/** The libc version a package's Depends asks for, e.g. `2.34`. */
export function libcRequirement(depends: string): string | undefined {
  return /\blibc6 \(>= ([0-9.]+)\)/.exec(depends)?.[1];
}

/** Compares dotted version numbers: negative when a < b. */
export function compareDotted(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The host's glibc version, e.g. `2.36`. */
export async function hostLibc(): Promise<string> {
  const { stdout } = await execa("getconf", ["GNU_LIBC_VERSION"]);
  const version = /([0-9]+\.[0-9]+)/.exec(stdout)?.[1];
  if (!version) throw new Error(`unexpected output of getconf GNU_LIBC_VERSION: ${stdout}`);
  return version;
}

interface Manifest {
  packages: PackageFile[];
}

async function readManifest(file: string): Promise<Manifest> {
  if (!existsSync(file)) return { packages: [] };
  return JSON.parse(await readFile(file, "utf8")) as Manifest;
}

/**
 * Makes sure every package of the given generations is downloaded, with apt working on a private
 * state so the system's configuration stays untouched. Packages already downloaded are reused, and
 * when all are there apt is not run at all.
 */
export async function downloadPackages(
  paths: LabPaths,
  generations: Generation[],
  effects: Effects,
): Promise<Map<string, PackageFile[]>> {
  const manifestFile = path.join(paths.debs, "packages.json");
  const manifest = await readManifest(manifestFile);
  const result = new Map<string, PackageFile[]>();
  const missing: { generation: string; name: string; suite: string }[] = [];

  // Reuse what an earlier `up` downloaded.
  for (const generation of generations) {
    const files: PackageFile[] = [];
    for (const spec of generation.packages) {
      const { name, suite } = packageSpec(spec, generation.suite);
      const known = manifest.packages.find((p) => p.package === name && p.suite === suite);
      if (known && existsSync(path.join(paths.debs, known.file))) files.push(known);
      else missing.push({ generation: generation.name, name, suite });
    }
    result.set(generation.name, files);
  }
  if (missing.length === 0) return result;

  // Refresh the private package lists for the suites that are still needed.
  await mkdir(paths.debs, { recursive: true });
  const uri = await debianArchiveUri();
  const suites = [...new Set(missing.map((m) => m.suite))];
  await prepareApt(paths, uri, suites);
  const started = effects.now();
  await execa("apt-get", [...aptOptions(paths), "update"], { cancelSignal: effects.signal }).catch(
    (error) => {
      throw new UserError(`apt could not read the package lists of ${suites.join(", ")}`, {
        hint: `apt said: ${lastLines(error.stderr)}`,
        cause: error,
      });
    },
  );
  effects.log(`apt update ${suites.join(" ")} → ok in ${formatDuration(effects.now() - started)}`);

  // Download every missing package in one apt call, one progress line per package as it arrives.
  const began = effects.now();
  const before = new Set(await readdir(paths.debs));
  const fetched = new Map<string, string>();
  let total = 0;
  const download = execa(
    "apt-get",
    [...aptOptions(paths), "download", ...missing.map((m) => `${m.name}/${m.suite}`)],
    { cwd: paths.debs, cancelSignal: effects.signal },
  );
  download.stdout?.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      const got = parseGetLine(line);
      if (!got) continue;
      fetched.set(`${got.name} ${got.version}`, got.suite);
      total += got.bytes;
      effects.log(
        `download ${fetched.size}/${missing.length} ${got.name} ${got.version} (${got.suite}) ` +
          `${formatBytes(got.bytes)}, ${formatBytes(total)} so far`,
      );
    }
  });
  await download.catch((error) => {
    throw new UserError(`apt could not download ${missing.map((m) => m.name).join(", ")}`, {
      hint: `apt said: ${lastLines(error.stderr)}`,
      cause: error,
    });
  });

  // Record each new file with its version, the suite it came from and the libc it needs.
  const added = (await readdir(paths.debs)).filter((f) => f.endsWith(".deb") && !before.has(f));
  for (const file of added) {
    const full = path.join(paths.debs, file);
    const name = await debField(full, "Package");
    const version = await debField(full, "Version");
    const item =
      missing.find((m) => m.name === name && fetched.get(`${name} ${version}`) === m.suite) ??
      missing.find((m) => m.name === name && !fetched.has(`${name} ${version}`));
    if (!item) continue;
    const entry: PackageFile = {
      package: name,
      suite: item.suite,
      version,
      file,
      bytes: (await stat(full)).size,
      libc: libcRequirement(await debField(full, "Depends")),
    };
    manifest.packages = manifest.packages.filter(
      (p) => !(p.package === entry.package && p.suite === entry.suite),
    );
    manifest.packages.push(entry);
    result.get(item.generation)?.push(entry);
  }
  await writeJsonAtomic(manifestFile, manifest);
  const stillMissing = missing.filter(
    (m) => !manifest.packages.some((p) => p.package === m.name && p.suite === m.suite),
  );
  if (stillMissing.length > 0) {
    throw new UserError(
      `apt downloaded no file for ${stillMissing.map((m) => `${m.name}/${m.suite}`).join(", ")}`,
      { hint: `look in ${paths.debs}; delete packages.json there to start over` },
    );
  }
  effects.log(
    `download ${missing.length} packages → ${formatBytes(total)} in ${formatDuration(effects.now() - began)}`,
  );
  return result;
}

/**
 * Reads one of apt's `Get:` lines: `Get:3 URI trixie/main amd64 runc amd64 1.1.5-1 [2710 kB]`.
 * The size is apt's, in its decimal units.
 */
export function parseGetLine(
  line: string,
): { suite: string; name: string; version: string; bytes: number } | undefined {
  const match =
    /^Get:\d+\s+\S+\s+([^/\s]+)\/\S+\s+\S+\s+(\S+)\s+\S+\s+(\S+)\s+\[([\d.,]+)\s*([kMG]?B)\]/.exec(
      line.trim(),
    );
  if (!match) return undefined;
  const [, suite, name, version, amount, unit] = match;
  const scale = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[unit] ?? 1;
  return { suite, name, version, bytes: Math.round(Number(amount.replace(",", "")) * scale) };
}

function lastLines(text: unknown, count = 3): string {
  return String(text ?? "")
    .trim()
    .split("\n")
    .slice(-count)
    .join(" / ");
}

/**
 * Unpacks a generation's packages with `dpkg -x` into its own folder. A marker records what was
 * unpacked, so unchanged packages are not unpacked again.
 */
export async function unpackGeneration(
  paths: LabPaths,
  generation: string,
  packages: PackageFile[],
  effects: Effects,
): Promise<string> {
  const root = path.join(paths.roots, generation);
  const marker = path.join(root, ".unpacked.json");
  const wanted = packages.map((p) => p.file).sort();
  if (existsSync(marker)) {
    const had = JSON.parse(await readFile(marker, "utf8")) as string[];
    if (JSON.stringify(had) === JSON.stringify(wanted)) return root;
  }
  await mkdir(root, { recursive: true });
  const began = effects.now();
  let bytes = 0;
  for (const p of packages) {
    await execa("dpkg", ["-x", path.join(paths.debs, p.file), root], {
      cancelSignal: effects.signal,
    });
    bytes += p.bytes;
  }
  await writeFile(marker, JSON.stringify(wanted));
  effects.log(
    `unpack ${generation} (${packages.length} packages, ${formatBytes(bytes)}) → ok in ` +
      formatDuration(effects.now() - began),
  );
  return root;
}

/**
 * Downloads and unpacks every generation and the shared packages, and decides which generations
 * can run on this host: a package that needs a newer libc than the host's skips its generation.
 */
export async function preparePackages(
  paths: LabPaths,
  effects: Effects,
  generations: Generation[] = GENERATIONS,
): Promise<{ common: GenerationPackages; generations: GenerationPackages[] }> {
  const all = [COMMON, ...generations];
  const downloaded = await downloadPackages(paths, all, effects);
  const libc = await hostLibc();

  // Unpacking is CPU-bound (xz and zstd); the generations unpack side by side.
  const prepared = await Promise.all(
    all.map(async (generation): Promise<GenerationPackages> => {
      const packages = downloaded.get(generation.name) ?? [];
      const tooNew = packages.find((p) => p.libc && compareDotted(p.libc, libc) > 0);
      if (tooNew) {
        const skipped = `${tooNew.package} ${tooNew.version} needs libc ${tooNew.libc}, this host has ${libc}`;
        effects.log(`skip ${generation.name}: ${skipped}`);
        return { generation: generation.name, packages, root: "", skipped };
      }
      const root = await unpackGeneration(paths, generation.name, packages, effects);
      return { generation: generation.name, packages, root };
    }),
  );
  const [common, ...rest] = prepared;
  if (common.skipped) {
    throw new UserError(`the lab's shared packages cannot run here: ${common.skipped}`, {
      hint: "use your own builders and registry instead (see README: Your own builders)",
    });
  }
  return { common, generations: rest };
}
