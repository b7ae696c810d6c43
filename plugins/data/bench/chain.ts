import { CLEAN_STAGE, type CleanerHook, type Doc, type Dropped, type KilnContext } from '@kiln/core';
import {
  exactDedupCleaner,
  languageCleaner,
  minhashDedupCleaner,
  piiCleaner,
  qualityCleaner,
  t2sCleaner,
  unicodeCleaner,
  whitespaceCleaner,
} from '../src/index.js';

/** The example config's cleaning chain, in stage order. */
export function fullChain(): CleanerHook[] {
  return [
    unicodeCleaner({ form: 'NFKC' }),
    whitespaceCleaner(),
    t2sCleaner(),
    qualityCleaner({ minCjkChars: 10 }),
    languageCleaner({ keep: ['eng', 'cmn'] }),
    exactDedupCleaner(),
    minhashDedupCleaner({ threshold: 0.8 }),
    piiCleaner(),
  ].sort((a, b) => (a.stage ?? 0) - (b.stage ?? 0));
}

/** The per-document (stateless) part of the chain: everything before dedup, and PII after it. */
export function statelessBefore(chain: CleanerHook[]): CleanerHook[] {
  return chain.filter((c) => (c.stage ?? 0) < CLEAN_STAGE.DEDUP);
}
export function statelessAfter(chain: CleanerHook[]): CleanerHook[] {
  return chain.filter((c) => (c.stage ?? 0) >= CLEAN_STAGE.REDACT);
}

export async function runChain(chain: CleanerHook[], doc: Doc, ctx: KilnContext): Promise<Doc | Dropped> {
  let out: Doc | Dropped = doc;
  for (const c of chain) {
    out = await c.clean(out as Doc, ctx);
    if ((out as Dropped).dropped) return out;
  }
  return out;
}
