/**
 * A plugin's cleaner as every data runner calls it (CleaningStep): each method wrapped once, so a
 * failure names the plugin and the rule and the plugin gets its own context; what clean() and
 * decide() return is checked.
 */
import { KilnError } from '../errors.js';
import { guarded } from '../plugin-errors.js';
import type { CleanerHook, CleaningStep, Doc, Dropped, KilnPlugin } from '../types.js';
import { isDropped } from './data-report.js';

export function cleaningStep(plugin: KilnPlugin, cleaner: CleanerHook, stage: number): Omit<CleaningStep, 'index'> {
  const { rule } = cleaner;
  const wrap = <A extends unknown[], R>(owner: object, fn: (...args: A) => R) =>
    guarded(plugin, 'cleaner', rule, fn.bind(owner));
  const badResult = (what: string, doc: Doc) =>
    new KilnError(`[${plugin.name}] cleaner "${rule}" ${what} for ${doc.id}`, { plugin: plugin.name, hook: 'cleaner' });
  const clean = wrap(cleaner, cleaner.clean);
  const split = typeof cleaner.parallel === 'object' ? cleaner.parallel : undefined;
  const decide = split && wrap(split, split.decide);
  return {
    rule,
    stage,
    plugin,
    ...(cleaner.parallel !== undefined && { parallel: split ? 'split' : 'document' }),
    async clean(doc, ctx) {
      const out = await clean(doc, ctx);
      if (out !== null && typeof out === 'object' && isDropped(out)) return out;
      if (typeof out?.text !== 'string') throw badResult('returned neither a document nor ctx.drop(...)', doc);
      return out;
    },
    ...(cleaner.finish && { finish: wrap(cleaner, cleaner.finish) as CleaningStep['finish'] }),
    ...(split && {
      summarize: wrap(split, split.summarize),
      async decide(doc: Doc, summary: unknown, ctx: Parameters<CleaningStep['clean']>[1]) {
        const drop: Dropped | undefined = await decide!(doc, summary, ctx);
        if (drop === undefined || isDropped(drop)) return drop;
        throw badResult('decide() returned neither undefined nor ctx.drop(...)', doc);
      },
    }),
  };
}
