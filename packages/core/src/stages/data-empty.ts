/**
 * A data stage that keeps no document fails there, naming what it read and what dropped it: an empty
 * corpus used to pass ("kept 0 of 0"), train a tokenizer of bytes alone and fail two stages later
 * with "run the encode stage first".
 */
import { KilnError } from '../errors.js';
import type { KilnHooks, TapMeta } from '../hooks.js';
import { stableJson } from '../run-state.js';
import type { SourceHook } from '../types.js';

interface RuleCounts {
  plugin: string;
  dropped: number;
  reasons: Record<string, number>;
}

/** Each source as the config gave it: its name, its plugin and that plugin's options (its cache key). */
function describeSources(hooks: KilnHooks): string {
  return (hooks.source.taps as unknown as ReadonlyArray<TapMeta>)
    .map(({ plugin, item }) => {
      const name = (item as SourceHook | undefined)?.name ?? plugin.name;
      const options = plugin.cacheKey === undefined ? '' : ` ${stableJson(plugin.cacheKey)}`;
      return `${name} (${plugin.name}${options})`;
    })
    .join(', ');
}

/** The error for a data stage that kept nothing, or undefined when it kept something. */
export function nothingKept(
  totals: { docsIn: number; docsOut: number },
  rules: Record<string, RuleCounts>,
  hooks: KilnHooks,
): KilnError | undefined {
  if (totals.docsOut > 0) return undefined;
  const sources = describeSources(hooks);
  if (totals.docsIn === 0)
    return new KilnError(
      `data: the sources read no documents (their files are empty or hold only whitespace): ${sources}. Check what they include, then run again`,
    );
  const droppedBy = Object.entries(rules)
    .filter(([, r]) => r.dropped > 0)
    .map(([rule, r]) => {
      const why = Object.entries(r.reasons)
        .sort(([, a], [, b]) => b - a)
        .slice(0, 3)
        .map(([reason, n]) => `${reason}: ${n}`)
        .join(', ');
      return `${rule} (${r.plugin}) dropped ${r.dropped}${why ? ` (${why})` : ''}`;
    });
  return new KilnError(
    `data: every one of the ${totals.docsIn} documents read was dropped: ${droppedBy.join('; ')}. Loosen those rules' options or add text (sources: ${sources}); data/report.json shows examples`,
  );
}
