// Streams a generated JSONL corpus of N MB (written to a temp file first) through
// a JSONL source and the stateful cleaners (exact + MinHash dedup) plus the cheap
// per-document ones, writing kept documents to a file, and prints peak RSS as JSON.
// Every document is distinct, so the dedup indexes grow by one entry per document, as
// they would on a real corpus: memory that grows with the input is the dedup state, and
// the rest must stay flat.

import { once } from 'node:events';
import { closeSync, createWriteStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, type Doc, type Dropped } from '@kiln/core';
import {
  exactDedupCleaner,
  jsonlSource,
  minhashDedupCleaner,
  piiCleaner,
  unicodeCleaner,
  whitespaceCleaner,
} from '../src/index.js';
import { benchContext } from './bench-context.js';
import { runChain } from './chain.js';

const sizeMB = Number(process.argv[2]);
const dir = mkdtempSync(join(tmpdir(), 'kiln-rss-'));
const input = join(dir, 'input.jsonl');
try {
  // Generate: documents of ~32 KB, each a random draw of 20 paragraphs from a pool of
  // 20 000 random-word paragraphs, so documents are distinct (pairwise Jaccard near 0)
  // and generating gigabytes is string concatenation, not a word-by-word loop.
  const rng = createRng(9);
  const vocab = Array.from({ length: 4000 }, (_, i) => i.toString(36).padStart(3, 'q') + 'a'.repeat(i % 5));
  const pool = Array.from({ length: 20_000 }, () => {
    const words: string[] = [];
    for (let len = 0; len < 1600; ) {
      const u = rng.next();
      const w = vocab[Math.floor(u * u * vocab.length)]; // Zipf-like: frequent words are frequent
      words.push(w);
      len += w.length + 1;
    }
    return JSON.stringify(words.join(' ') + '.').slice(1, -1);
  });
  const fd = openSync(input, 'w');
  let written = 0;
  while (written < sizeMB * 1e6) {
    const parts: string[] = [];
    for (let p = 0; p < 20; p++) parts.push(pool[rng.int(pool.length)]);
    written += writeSync(fd, `{"text":"${parts.join('\\n')}"}\n`);
  }
  closeSync(fd);

  const ctx = benchContext();
  const chain = [
    unicodeCleaner({ form: 'NFKC' }),
    whitespaceCleaner(),
    exactDedupCleaner(),
    minhashDedupCleaner(),
    piiCleaner(),
  ];
  const out = createWriteStream(join(dir, 'clean.jsonl'));
  const t = performance.now();
  let docs = 0;
  for await (const d of jsonlSource({ include: input, cwd: dir }).read(ctx)) {
    docs++;
    const r = await runChain(chain, d, ctx);
    if (!(r as Dropped).dropped && !out.write(JSON.stringify({ id: (r as Doc).id, text: (r as Doc).text }) + '\n'))
      await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const seconds = (performance.now() - t) / 1000;
  console.log(JSON.stringify({ inputMB: sizeMB, docs, peakRssMB: process.resourceUsage().maxRSS / 1024, seconds }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
