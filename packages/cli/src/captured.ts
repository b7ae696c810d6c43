/**
 * The kiln command run in this process with its output kept instead of printed: what tests and
 * programs that drive Kiln call, rather than each assembling a CliIO around `main`.
 */
import type { CliIO } from './io.js';
import { main } from './main.js';

export interface CapturedRunOptions {
  /** The folder the command is typed in (its llm.config.* and relative paths). */
  cwd: string;
  /** The environment it sees; none of this process's by default. */
  env?: CliIO['env'];
  /** Aborting it ends long-running commands (`kiln serve`) as Ctrl-C does. */
  signal?: AbortSignal;
  /** Called with everything written to stdout so far, each time more arrives (to wait for a line). */
  onStdout?: (all: string) => void;
}

export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCaptured(argv: readonly string[], o: CapturedRunOptions): Promise<CapturedRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    cwd: o.cwd,
    env: o.env ?? {},
    isTTY: false,
    signal: o.signal,
    stdout: (t) => {
      stdout += t;
      o.onStdout?.(stdout);
    },
    stderr: (t) => {
      stderr += t;
    },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
