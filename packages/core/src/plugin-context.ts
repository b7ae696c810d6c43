/**
 * Each plugin sees the run's context with a logger of its own, so every line
 * it logs says who wrote it: `[kiln-plugin-foo] message` (as Rollup's
 * this.warn does). Everything else is the shared context itself.
 */
import type { KilnContext, KilnPlugin, Logger } from './types.js';

/** Contexts built by the run container; only these are replaced in hook arguments. */
const runContexts = new WeakSet<object>();
const derived = new WeakMap<KilnContext, Map<string, KilnContext>>();

export function registerRunContext(ctx: KilnContext): KilnContext {
  runContexts.add(ctx);
  return ctx;
}

export function isRunContext(value: unknown): value is KilnContext {
  return typeof value === 'object' && value !== null && runContexts.has(value);
}

function prefixed(logger: Logger, name: string): Logger {
  const tag = `[${name}] `;
  return {
    debug: (message, data) => logger.debug(tag + message, data),
    info: (message, data) => logger.info(tag + message, data),
    warn: (message, data) => logger.warn(tag + message, data),
    error: (message, data) => logger.error(tag + message, data),
  };
}

/** The context `plugin` receives: the same services, its own logger. Cached per context and plugin. */
export function contextFor(ctx: KilnContext, plugin: KilnPlugin): KilnContext {
  let byPlugin = derived.get(ctx);
  if (!byPlugin) derived.set(ctx, (byPlugin = new Map()));
  let own = byPlugin.get(plugin.name);
  if (!own) {
    own = Object.freeze(
      Object.create(ctx, { logger: { value: prefixed(ctx.logger, plugin.name), enumerable: true } }),
    ) as KilnContext;
    byPlugin.set(plugin.name, own);
  }
  return own;
}
