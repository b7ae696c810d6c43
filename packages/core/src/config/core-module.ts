/**
 * @kiln/core's public module as a config file and the plugins it loads must see it: this very
 * instance, so constants and classes match. index.ts registers itself here, so the config loader
 * needs no import of index.ts (which would close a cycle through kiln.ts).
 */
let registered: Record<string, unknown> | undefined;

export function registerCoreModule(module: Record<string, unknown>): void {
  registered = module;
}

export function coreModule(): Record<string, unknown> {
  if (!registered) throw new Error('internal: @kiln/core loaded without its index (import it from @kiln/core)');
  return registered;
}
