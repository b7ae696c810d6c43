/**
 * Errors Kiln reports to users. Each carries what a person needs to fix it:
 * the plugin and hook that failed, or the config file and field that is wrong.
 * The CLI maps `exitCode` to the process exit status (2 = fix your config).
 */
export class KilnError extends Error {
  override readonly name: string = 'KilnError';
  /** Process exit status the CLI should use. */
  readonly exitCode: number;
  /** Plugin that raised or caused it, if any. */
  readonly plugin?: string;
  /** Hook point, e.g. 'cleaner', 'onStep'. */
  readonly hook?: string;

  constructor(message: string, options: { cause?: unknown; plugin?: string; hook?: string; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
    this.plugin = options.plugin;
    this.hook = options.hook;
  }
}

/** A problem with the configuration: wrong field, unknown plugin, missing provider. Exit code 2. */
export class ConfigError extends KilnError {
  override readonly name: string = 'ConfigError';
  /** Config file the problem is in, if it came from one. */
  readonly file?: string;
  /** Dotted field path, e.g. 'train.steps'. */
  readonly field?: string;

  constructor(message: string, options: { file?: string; field?: string; plugin?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
    this.file = options.file;
    this.field = options.field;
  }
}

/** Thrown when ctx.signal aborts a stage (Ctrl-C). Exit code 130, as a shell reports SIGINT. */
export class AbortedError extends KilnError {
  override readonly name: string = 'AbortedError';
  constructor(what: string) {
    super(`${what} was interrupted`, { exitCode: 130 });
  }
}

/** The message of anything thrown, without assuming it is an Error. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Throws AbortedError when the signal has fired; long loops call it between items. */
export function throwIfAborted(signal: AbortSignal, what: string): void {
  if (signal.aborted) throw new AbortedError(what);
}
