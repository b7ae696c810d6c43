import type { Doc, KilnContext, SourceHook } from '@kiln/core';
import { traditionalToSimplified } from '../cleaners/opencc.js';
import { fetchNpmTarball, tarballFiles } from './npm-tarball.js';

export type PoetryCollection = 'tang' | 'song' | 'songci';

export interface ChinesePoetrySourceOptions {
  /** Which collections (default ['tang', 'song']: 全唐诗 and 全宋诗, in Traditional characters). */
  collections?: PoetryCollection[];
  tarball?: string;
  /** Package spec to fetch (default 'chinese-poetry@2.0.1'). */
  spec?: string;
  /** Convert to Simplified while reading (default false: use the t2s cleaner instead, so the report counts it). */
  toSimplified?: boolean;
  /** Stop after this many poems (for quick runs). */
  limit?: number;
}

const PATTERNS: Record<PoetryCollection, RegExp> = {
  tang: /^package\/dist\/quantangshi\/poet\.tang\.\d+\.json$/,
  song: /^package\/dist\/quantangshi\/poet\.song\.\d+\.json$/,
  songci: /^package\/dist\/songci\/ci\.song\.\d+\.json$/,
};

interface Poem {
  author?: string;
  title?: string;
  rhythmic?: string;
  paragraphs?: string[];
  id?: string;
}

/** Classical Chinese poems from the chinese-poetry package: one document per poem (title, then lines). */
export function chinesePoetrySource(options: ChinesePoetrySourceOptions = {}): SourceHook {
  const name = 'chinese-poetry';
  const collections = options.collections ?? ['tang', 'song'];
  for (const c of collections) {
    if (!(c in PATTERNS))
      throw new Error(`${name}: unknown collection '${c}' (known: ${Object.keys(PATTERNS).join(', ')})`);
  }
  const patterns = collections.map((c) => PATTERNS[c]);
  return {
    name,
    async *read(ctx: KilnContext): AsyncGenerator<Doc> {
      const tgz = options.tarball ?? (await fetchNpmTarball(options.spec ?? 'chinese-poetry@2.0.1'));
      ctx.logger.debug(`${name}: reading ${tgz}`);
      const convert = options.toSimplified ? traditionalToSimplified() : (s: string) => s;
      let count = 0;
      for await (const { path, data } of tarballFiles(tgz, (p) => patterns.some((re) => re.test(p)))) {
        let poems: Poem[];
        try {
          poems = JSON.parse(data.toString('utf8')) as Poem[];
        } catch (err) {
          throw new Error(`${name}: ${path} is not valid JSON (${(err as Error).message})`);
        }
        for (let row = 0; row < poems.length; row++) {
          const p = poems[row];
          const lines = (p.paragraphs ?? []).filter((l) => typeof l === 'string' && l.trim());
          if (lines.length === 0) continue;
          const title = p.title ?? p.rhythmic ?? '';
          const text = convert([title, ...lines].filter(Boolean).join('\n'));
          yield {
            id: `${name}:${p.id ?? `${path}:${row}`}`,
            text,
            origin: { source: name, file: path, row },
            meta: { author: p.author ? convert(p.author) : undefined },
          };
          if (options.limit !== undefined && ++count >= options.limit) return;
        }
      }
    },
  };
}
