/**
 * Wrapping plugin code so that anything it throws names the plugin and the
 * hook: `[kiln-plugin-foo] cleaner "shout" failed: ...`.
 */
import { KilnError, messageOf } from './errors.js';
import { contextFor, isRunContext } from './plugin-context.js';
import type { KilnPlugin } from './types.js';

/** Duck-typed: a plugin may carry its own copy of @kiln/core, so instanceof is not reliable. */
function kilnErrorInfo(error: unknown): { plugin?: string; exitCode?: number; name?: string } | undefined {
  if (!(error instanceof Error) || !('exitCode' in error)) return undefined;
  const e = error as Error & { plugin?: unknown; exitCode?: unknown };
  return {
    name: e.name,
    plugin: typeof e.plugin === 'string' ? e.plugin : undefined,
    exitCode: typeof e.exitCode === 'number' ? e.exitCode : undefined,
  };
}

/** The error to rethrow for a failure inside a plugin's hook. */
export function pluginFailure(plugin: KilnPlugin, hook: string, itemName: string | undefined, error: unknown): Error {
  const info = kilnErrorInfo(error);
  // Already attributed (a plugin calling another plugin through ctx.hooks), or an interruption: keep it.
  if (info?.plugin !== undefined || info?.name === 'AbortedError') return error as Error;
  const what = itemName === undefined ? hook : `${hook} "${itemName}"`;
  return new KilnError(`[${plugin.name}] ${what} failed: ${messageOf(error)}`, {
    cause: error,
    plugin: plugin.name,
    hook,
    exitCode: info?.exitCode,
  });
}

/**
 * An async function that reports its failures as the plugin's. A run context
 * in the last argument is swapped for the plugin's own (its logger prefixed).
 */
export function guarded<A extends unknown[], R>(
  plugin: KilnPlugin,
  hook: string,
  itemName: string | undefined,
  fn: (...args: A) => R,
): (...args: A) => Promise<Awaited<R>> {
  return async (...args: A): Promise<Awaited<R>> => {
    const last = args.length - 1;
    if (last >= 0 && isRunContext(args[last])) args[last] = contextFor(args[last], plugin);
    try {
      return (await fn(...args)) as Awaited<R>;
    } catch (error) {
      throw pluginFailure(plugin, hook, itemName, error);
    }
  };
}
