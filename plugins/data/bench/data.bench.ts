// Data pipeline benchmark: `npm run bench -- data`.
//   1. reading the corpora (SOTU + Tang/Song poems, streamed from their npm tarballs)
//   2. the full cleaning chain, MB/s, on 1 thread and on all threads
//   3. MinHash + LSH near-dup dedup, documents/s, on 1 thread and on all threads
//   4. peak RSS of the streaming chain on generated input of S and 10·S bytes (child processes)
// Writes bench-results/data.json. Env: KILN_BENCH_POEMS (poems to read, default all),
// KILN_BENCH_RSS_MB (S, default 200 → 200 MB and 2 GB; 0 skips the memory runs).

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Doc, Dropped } from '@kiln/core';
import { orderedMap, siblingModule } from '../src/encode/pool.js';
import { chinesePoetrySource, LshIndex, MinHasher, sotuSource } from '../src/index.js';
import { benchContext } from './bench-context.js';
import { fullChain, runChain } from './chain.js';
import type { CleanBatch, CleanedBatch } from './parallel-clean-task.js';

const threads = availableParallelism();
const ctx = benchContext();
const mb = (bytes: number) => bytes / 1e6;
// The load average goes into the results: on a shared machine it decides what the numbers mean.
const results: Record<string, unknown> = { machine: { threads, node: process.version, loadAverageAtStart: loadavg() } };
const rows: Array<[string, string, string]> = [];
// Each row is also printed as soon as it is measured: the whole run takes minutes.
const push = rows.push.bind(rows);
rows.push = (...r) => {
  for (const [a, b, c] of r) console.log(`  … ${a}: ${b} (${c})`);
  return push(...r);
};

// 1. Read the corpora.
let t = performance.now();
const docs: Doc[] = [];
for await (const d of sotuSource().read(ctx)) docs.push(d);
const sotuDocs = docs.length;
const poemLimit = process.env.KILN_BENCH_POEMS ? Number(process.env.KILN_BENCH_POEMS) : undefined;
for await (const d of chinesePoetrySource({ collections: ['tang', 'song'], limit: poemLimit }).read(ctx)) docs.push(d);
const readSeconds = (performance.now() - t) / 1000;
const bytes = docs.reduce((s, d) => s + Buffer.byteLength(d.text), 0);
const chars = docs.reduce((s, d) => s + d.text.length, 0);
results.corpus = { documents: docs.length, sotu: sotuDocs, poems: docs.length - sotuDocs, bytes, chars, readSeconds };
rows.push([
  'read sources (1 thread)',
  `${(mb(bytes) / readSeconds).toFixed(1)} MB/s`,
  `${docs.length} docs, ${mb(bytes).toFixed(1)} MB UTF-8`,
]);

// 2a. Full chain, one thread.
t = performance.now();
const chain = fullChain();
const keptSerial: string[] = [];
for (const d of docs) {
  const r = await runChain(chain, d, ctx);
  if (!(r as Dropped).dropped) keptSerial.push((r as Doc).id);
}
const clean1 = (performance.now() - t) / 1000;
rows.push([
  'clean, full chain, 1 thread',
  `${(mb(bytes) / clean1).toFixed(2)} MB/s`,
  `kept ${keptSerial.length} of ${docs.length}`,
]);

// 2b. Full chain, all threads: per-document cleaners + dedup keys + signatures in workers, dedup decisions here.
const P = new MinHasher().permutations;
// Batches of ~256 KB of text, so one batch of long addresses does not hold up the rest.
async function* batches(minhashOnly = false): AsyncGenerator<CleanBatch> {
  let batch: CleanBatch['docs'] = [];
  let size = 0;
  for (const { id, text } of docs) {
    batch.push({ id, text });
    size += text.length;
    if (size >= 256 * 1024) {
      yield { docs: batch, minhashOnly };
      batch = [];
      size = 0;
    }
  }
  if (batch.length) yield { docs: batch, minhashOnly };
}
const task = { module: siblingModule(import.meta.url, './parallel-clean-task'), init: {} };
t = performance.now();
const seen = new Set<string>();
let index = new LshIndex({ permutations: P, bands: 16, threshold: 0.8 });
const keptParallel: string[] = [];
let at = 0;
for await (const b of orderedMap<CleanBatch, CleanedBatch>(batches(), task, threads)) {
  for (let i = 0; i < b.dropped.length; i++, at++) {
    if (b.dropped[i]) continue;
    if (seen.has(b.keys[i])) continue;
    seen.add(b.keys[i]);
    if (index.matchOrAdd(b.signatures.subarray(i * P, (i + 1) * P))) continue;
    keptParallel.push(docs[at].id);
  }
}
const cleanN = (performance.now() - t) / 1000;
const same = keptParallel.length === keptSerial.length && keptParallel.every((id, i) => id === keptSerial[i]);
if (!same)
  throw new Error(
    `parallel cleaning kept ${keptParallel.length} documents, serial ${keptSerial.length}: they must agree`,
  );
rows.push([
  `clean, full chain, ${threads} threads`,
  `${(mb(bytes) / cleanN).toFixed(2)} MB/s`,
  `same ${keptParallel.length} documents kept`,
]);
results.clean = {
  threads1: { seconds: clean1, MBps: mb(bytes) / clean1 },
  [`threads${threads}`]: { seconds: cleanN, MBps: mb(bytes) / cleanN },
  kept: keptSerial.length,
};

// 3a. MinHash + LSH, one thread.
const hasher = new MinHasher();
t = performance.now();
index = new LshIndex({ permutations: P, bands: 16, threshold: 0.8 });
let nearDups = 0;
const sig = new Uint32Array(P);
for (const d of docs) if (index.matchOrAdd(hasher.signature(d.text, sig))) nearDups++;
const mh1 = (performance.now() - t) / 1000;
rows.push(['MinHash+LSH dedup, 1 thread', `${Math.round(docs.length / mh1)} docs/s`, `${nearDups} near-duplicates`]);

// 3b. MinHash signatures in workers, LSH here.
t = performance.now();
index = new LshIndex({ permutations: P, bands: 16, threshold: 0.8 });
let nearDupsN = 0;
for await (const b of orderedMap<CleanBatch, CleanedBatch>(batches(true), task, threads)) {
  for (let i = 0; i < b.signatures.length / P; i++)
    if (index.matchOrAdd(b.signatures.subarray(i * P, (i + 1) * P))) nearDupsN++;
}
const mhN = (performance.now() - t) / 1000;
if (nearDupsN !== nearDups) throw new Error(`parallel MinHash found ${nearDupsN} near-duplicates, serial ${nearDups}`);
rows.push([
  `MinHash+LSH dedup, ${threads} threads`,
  `${Math.round(docs.length / mhN)} docs/s`,
  `same ${nearDupsN} near-duplicates`,
]);
results.minhash = {
  threads1: { seconds: mh1, docsPerSecond: docs.length / mh1 },
  [`threads${threads}`]: { seconds: mhN, docsPerSecond: docs.length / mhN },
  nearDuplicates: nearDups,
};

// 4. Peak RSS on generated input, S and 10·S, each in a fresh process.
const S = Number(process.env.KILN_BENCH_RSS_MB ?? 200);
const child = fileURLToPath(new URL('./rss-child.ts', import.meta.url));
const rss: Array<{ inputMB: number; docs: number; peakRssMB: number; seconds: number }> = [];
for (const size of S > 0 ? [S, 10 * S] : []) {
  const r = spawnSync(process.execPath, [...process.execArgv, child, String(size)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`rss-child ${size} MB failed`);
  const line = JSON.parse(r.stdout.trim().split('\n').pop()!);
  rss.push(line);
  rows.push([
    `stream ${size} MB (generated, cleaned)`,
    `peak RSS ${line.peakRssMB.toFixed(0)} MB`,
    `${line.docs} docs, ${(size / line.seconds).toFixed(1)} MB/s`,
  ]);
}
results.rss = rss;
(results.machine as Record<string, unknown>).loadAverageAtEnd = loadavg();

console.log(
  `\n@kiln/data on ${threads} threads, Node ${process.version}, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))];
for (const [a, b, c] of rows) console.log(`${a.padEnd(w[0])}  ${b.padStart(w[1])}  ${c}`);
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/data.json', JSON.stringify(results, null, 2) + '\n');
