/** Where the CLI reads and writes: the process by default, buffers in tests. */
export interface CliIO {
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: progress bars are drawn only then. */
  isTTY: boolean;
  /** Where progress bars are drawn. */
  progressStream?: NodeJS.WritableStream;
  /** Aborting it ends long-running commands (`kiln serve`) as Ctrl-C does. */
  signal?: AbortSignal;
}

export function processIO(): CliIO {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stderr.isTTY),
    progressStream: process.stderr,
  };
}
