/**
 * An error the user can fix. The command-line entry points print its message and hint without a
 * stack trace and exit with its code; any other error is a bug and keeps its stack.
 */
export class UserError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(
    message: string,
    options: { hint?: string; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "UserError";
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 2;
  }
}

/** Text for an error as the command line prints it. */
export function describeError(error: unknown): string {
  if (error instanceof UserError) {
    return error.hint ? `error: ${error.message}\n  ${error.hint}` : `error: ${error.message}`;
  }
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Runs a notebook's main function: Ctrl-C aborts the signal once (so cleanup can run) and a second
 * Ctrl-C exits at once; errors are printed by `describeError` and set the exit code.
 */
export async function runMain(main: (signal: AbortSignal) => Promise<number | undefined>) {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (name: string) => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\n${name}: stopping what was started (press Ctrl-C again to exit now)\n`);
    controller.abort(new UserError(`interrupted by ${name}`, { exitCode: 130 }));
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  try {
    const code = await main(controller.signal);
    process.exitCode = typeof code === "number" ? code : 0;
  } catch (error) {
    process.stderr.write(`${describeError(error)}\n`);
    process.exitCode = error instanceof UserError ? error.exitCode : 1;
  }
  // Timers or child pipes left open must not keep a finished notebook alive.
  setTimeout(() => process.exit(Number(process.exitCode ?? 0)), 50).unref();
}
