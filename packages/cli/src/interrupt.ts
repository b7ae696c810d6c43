/**
 * Ctrl-C: the first aborts the run's signal (stages stop and save), the second exits at once.
 * SIGUSR2 asks the same, for what cannot press Ctrl-C: mpirun forwards it to every rank (its
 * own Ctrl-C ends the ranks at once), and batch schedulers send it before a time limit.
 */
export function onInterrupt(warn: (message: string) => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    warn(`${signal === 'SIGINT' ? '' : `${signal}: `}stopping after the current step (Ctrl-C again to quit now)`);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGUSR2', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGUSR2', handler);
    },
  };
}
