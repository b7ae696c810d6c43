import * as OpenCC from 'opencc-js';

export type OpenccLocale = 'cn' | 'tw' | 'twp' | 'hk' | 'jp' | 't';

const cache = new Map<string, (s: string) => string>();

/** A cached OpenCC converter (building one loads its dictionaries: ~100 ms). */
export function traditionalToSimplified(from: OpenccLocale = 't', to: OpenccLocale = 'cn'): (s: string) => string {
  const key = `${from}>${to}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const convert = OpenCC.Converter({ from, to });
  cache.set(key, convert);
  return convert;
}
