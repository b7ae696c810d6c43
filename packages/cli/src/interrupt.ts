/** Ctrl-C: the first aborts the run's signal (stages stop and save), the second exits at once. */
export function onInterrupt(warn: (message: string) => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) process.exit(130);
    warn('stopping after the current step (Ctrl-C again to quit now)');
    controller.abort();
  };
  process.on('SIGINT', handler);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', handler) };
}
