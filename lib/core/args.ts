import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The arguments given to a notebook, whichever way it was started: `npx zx notebooks/x.ts …` puts
 * zx's own path before the script's, `node notebooks/x.ts …` and `deno run -A notebooks/x.ts …` do
 * not. Everything after the script's own path is the notebook's.
 */
export function scriptArgs(moduleUrl: string, argv: string[] = process.argv): string[] {
  const self = fileURLToPath(moduleUrl);
  const index = argv.findIndex((arg, i) => i > 0 && samePath(arg, self));
  return index === -1 ? argv.slice(2) : argv.slice(index + 1);
}

function samePath(arg: string, file: string): boolean {
  if (arg.startsWith("file:")) return fileURLToPath(arg) === file;
  return path.resolve(arg) === file || path.resolve(arg) === file.replace(/\.ts$/, "");
}
