/** Turning any thrown value into what the user sees and the exit code. */
export interface ErrorReport {
  message: string;
  name?: string;
  plugin?: string;
  hook?: string;
  file?: string;
  field?: string;
}

export function describeError(error: unknown): ErrorReport {
  if (!(error instanceof Error)) return { message: String(error) };
  const e = error as Error & Partial<Record<'plugin' | 'hook' | 'file' | 'field', string>>;
  return {
    message: e.message,
    name: e.name,
    ...(e.plugin !== undefined && { plugin: e.plugin }),
    ...(e.hook !== undefined && { hook: e.hook }),
    ...(e.file !== undefined && { file: e.file }),
    ...(e.field !== undefined && { field: e.field }),
  };
}

/** KilnErrors carry their exit code (2 for config problems); anything else is 1. */
export function exitCodeOf(error: unknown): number {
  const code = (error as { exitCode?: unknown })?.exitCode;
  return typeof code === 'number' && code > 0 ? code : 1;
}
