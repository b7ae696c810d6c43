// `kiln prepare`'s data stage, end to end (read, full cleaning chain, dedup across shards,
// clean.jsonl + report): `npm run bench -- prepare`. Over the installed English corpus (every
// State of the Union address) and the Chinese one (Tang + Song poems), each run in its own
// process: 1 thread, every core, and distributed over Redis with 2 local `kiln worker`
// processes (1 thread each, started beforehand): docs/s, MB/s (UTF-8 input), the coordinator's
// peak RSS; then the same at 4× the corpus on 1 thread and every core (English: the addresses 4
// times over, so the repeats are exact duplicates; Chinese: 4× as many distinct poems). Every run's data files
// must equal the 1-thread run's. The runs use the built packages, as an installed `kiln` does:
// `npm run build` first. Writes bench-results/prepare.json.
// The 'ceiling' row is what the machine itself gives: `threads` independent 1-thread runs at
// once, as throughput over one run alone (no coordination, no sharing); on a shared VM it is often
// well under the core count. The modes of a corpus take turns, KILN_BENCH_REPEATS times (default
// 3), and each row reports its median time (the slowest peak RSS), since such machines vary run to run.
// Env: KILN_BENCH_POEMS (poems at 1×, default 60000), KILN_BENCH_SOTU_FROM (first year, default all),
// KILN_BENCH_REDIS=0 skips the queue rows.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KilnContext } from '@kiln/core';
import { redisMissing, startRedis } from '../../../test/helpers/redis-server.js';
import { chinesePoetrySource, sotuSource } from '../src/index.js';
import { benchContext } from './bench-context.js';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const KILN = join(ROOT, 'packages/cli/bin/kiln.js');
const CHILD = fileURLToPath(new URL('./prepare-child.mjs', import.meta.url));
const NODE = [process.execPath];
const threads = availableParallelism();
const poems = Number(process.env.KILN_BENCH_POEMS ?? 60_000);
const sotuFrom = Number(process.env.KILN_BENCH_SOTU_FROM ?? 0);
const repeats = Math.max(1, Number(process.env.KILN_BENCH_REPEATS ?? 3));
// Configs live under the repository so that they resolve @kiln/* like any project's.
const configDir = join(ROOT, 'node_modules/.cache/kiln-bench/prepare');
mkdirSync(configDir, { recursive: true });

const CLEANING =
  "cleaning({ t2s: { from: 't' }, quality: { minCjkChars: 10 }, language: { keep: ['eng', 'cmn'] }, minhashDedup: { threshold: 0.8 } })";
const corpora = {
  en: {
    label: 'English (SOTU)',
    source: (times: number) => `repeat(sotuSource({ years: { from: ${sotuFrom} } }), ${times})`,
    read: (ctx: KilnContext) => sotuSource({ years: { from: sotuFrom } }).read(ctx),
  },
  zh: {
    label: 'Chinese (Tang+Song)',
    source: (times: number) => `chinesePoetrySource({ collections: ['tang', 'song'], limit: ${poems * times} })`,
    read: (ctx: KilnContext) => chinesePoetrySource({ collections: ['tang', 'song'], limit: poems }).read(ctx),
  },
} as const;
type Corpus = keyof typeof corpora;

function writeConfig(corpus: Corpus, times: number): string {
  const file = join(configDir, `${corpus}-x${times}.config.ts`);
  writeFileSync(
    file,
    `import { defineConfig, type KilnContext, type SourceHook } from '@kiln/core';
import { chinesePoetrySource, cleaning, sotuSource } from '@kiln/data';
// The same documents \`times\` over, with new ids (exact duplicates after the first round).
const repeat = (source: SourceHook, times: number): SourceHook => ({
  name: source.name,
  async *read(ctx: KilnContext) {
    for (let k = 0; k < times; k++) for await (const doc of source.read(ctx)) yield k === 0 ? doc : { ...doc, id: doc.id + '#' + k };
  },
});
void repeat;
export default defineConfig({
  name: 'bench-prepare-${corpus}',
  seed: 1,
  plugins: [{ name: 'bench:corpus', source: ${corpora[corpus].source(times)} }, ${CLEANING}],
  stages: ['data'],
});
`,
  );
  return file;
}

interface Run {
  seconds: number;
  peakRssMB: number;
  metrics: { docsIn: number; charsIn: number; docsOut: number };
}

function runChild(config: string, runDir: string, overrides: string[]): Run {
  const r = spawnSync(NODE[0], [...NODE.slice(1), CHILD, config, runDir, ...overrides], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`prepare-child ${config} ${overrides.join(' ')} failed (${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Run;
}

/** `n` 1-thread runs at once: the seconds until the last one ends, as one Run per process. */
async function runAtOnce(config: string, runDirs: string[]): Promise<Run[]> {
  const runs = runDirs.map(
    (runDir) =>
      new Promise<Run>((ok, fail) => {
        const child = spawn(NODE[0], [...NODE.slice(1), CHILD, config, runDir, 'data.threads=1'], {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout!.on('data', (d) => (out += d));
        child.once('exit', (code) =>
          code === 0 ? ok(JSON.parse(out.trim().split('\n').pop()!) as Run) : fail(new Error(`prepare-child ${code}`)),
        );
      }),
  );
  return Promise.all(runs);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const dataFiles = (runDir: string) =>
  ['data/clean.jsonl', 'data/report.json', 'data/manifest.json'].map((f) => readFileSync(join(runDir, f), 'utf8'));

async function startWorkers(url: string, n: number): Promise<ChildProcess[]> {
  const workers = Array.from({ length: n }, () =>
    spawn(NODE[0], [...NODE.slice(1), KILN, 'worker', '--queue', url, '--threads', '1'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((ok, fail) => {
          let log = '';
          w.stderr!.on('data', (d) => {
            log += d;
            if (log.includes('worker on redis')) ok();
          });
          w.once('exit', (code) => fail(new Error(`kiln worker exited (${code}):\n${log}`)));
        }),
    ),
  );
  return workers;
}

const results: Record<string, unknown> = {
  machine: { threads, node: process.version, loadAverageAtStart: loadavg() },
  poems,
  sotuFrom,
  repeats,
};
const rows: string[][] = [];
const scratch = mkdtempSync(join(tmpdir(), 'kiln-bench-prepare-'));
const redis = process.env.KILN_BENCH_REDIS === '0' || redisMissing ? undefined : await startRedis();
if (!redis) console.log(`  (queue rows skipped: ${redisMissing ?? 'KILN_BENCH_REDIS=0'})`);
try {
  for (const corpus of Object.keys(corpora) as Corpus[]) {
    let bytes = 0;
    for await (const d of corpora[corpus].read(benchContext())) bytes += Buffer.byteLength(d.text);
    const x1 = writeConfig(corpus, 1);
    const out: Record<string, unknown> = { bytes };
    let reference: string[] | undefined;
    const check = (mode: string, runDir: string) => {
      const files = dataFiles(runDir);
      reference ??= files;
      if (files.some((f, i) => f !== reference![i]))
        throw new Error(`${corpus} ${mode}: data files differ from the 1-thread run`);
    };
    const runIn = (name: string, run: (dir: string) => Run): Run => {
      const dir = join(scratch, name);
      const result = run(dir);
      check(name, dir);
      return result;
    };
    // Each mode: one timed run (seconds, peak RSS) in a fresh run directory.
    const modes: Array<[string, (r: number) => Promise<Run>]> = [
      ['1 thread', async (r) => runIn(`${corpus}-1-${r}`, (dir) => runChild(x1, dir, ['data.threads=1']))],
      [
        `${threads} threads`,
        async (r) => runIn(`${corpus}-n-${r}`, (dir) => runChild(x1, dir, [`data.threads=${threads}`])),
      ],
      [
        `ceiling: ${threads} separate 1-thread runs at once`,
        async (r) => {
          const dirs = Array.from({ length: threads }, (_, k) => join(scratch, `${corpus}-ceiling-${r}-${k}`));
          const started = performance.now();
          const runs = await runAtOnce(x1, dirs);
          const seconds = (performance.now() - started) / 1000;
          for (const dir of dirs) check('ceiling', dir);
          // Throughput: `threads` corpora in `seconds`, counted as one corpus in seconds / threads.
          return {
            seconds: seconds / threads,
            peakRssMB: Math.max(...runs.map((x) => x.peakRssMB)),
            metrics: runs[0].metrics,
          };
        },
      ],
    ];
    let workers: ChildProcess[] = [];
    if (redis) {
      workers = await startWorkers(redis.url, 2);
      modes.push([
        'queue, 2 workers',
        async (r) => runIn(`${corpus}-queue-${r}`, (dir) => runChild(x1, dir, [`data.queue=${redis.url}`])),
      ]);
    }
    const timed = new Map<string, Run[]>(modes.map(([m]) => [m, []]));
    try {
      for (let r = 0; r < repeats; r++) for (const [mode, run] of modes) timed.get(mode)!.push(await run(r));
    } finally {
      for (const w of workers) w.kill('SIGTERM');
    }
    const oneThread = median(timed.get('1 thread')!.map((x) => x.seconds));
    for (const [mode, runs] of timed) {
      const seconds = median(runs.map((x) => x.seconds));
      const docs = runs[0].metrics.docsIn;
      const row = {
        seconds,
        runs: runs.map((x) => x.seconds),
        docsPerSecond: docs / seconds,
        MBps: bytes / 1e6 / seconds,
        speedup: oneThread / seconds,
        peakRssMB: Math.max(...runs.map((x) => x.peakRssMB)),
        docs,
      };
      out[mode] = row;
      rows.push([
        `${corpora[corpus].label}, ${mode}`,
        `${Math.round(row.docsPerSecond)} docs/s`,
        `${row.MBps.toFixed(2)} MB/s`,
        `×${row.speedup.toFixed(2)}`,
        `RSS ${row.peakRssMB.toFixed(0)} MB`,
      ]);
      console.log(`  … ${rows.at(-1)!.join('  ')}  (runs: ${row.runs.map((x) => x.toFixed(2)).join(', ')} s)`);
    }
    // As the corpus grows: 4× the input, on 1 thread and on every core (startup weighs less here).
    const x4 = writeConfig(corpus, 4);
    let x4OneThread = 0;
    let x4Files: string[] | undefined;
    for (const n of [1, threads]) {
      const runDir = join(scratch, `${corpus}-x4-${n}`);
      const run = runChild(x4, runDir, [`data.threads=${n}`]);
      const files = dataFiles(runDir);
      x4Files ??= files;
      if (files.some((f, i) => f !== x4Files![i]))
        throw new Error(`${corpus} 4x on ${n} threads: data files differ from the 1-thread run`);
      x4OneThread ||= run.seconds;
      const mode = `4x, ${n === 1 ? '1 thread' : `${n} threads`}`;
      out[mode] = {
        seconds: run.seconds,
        docsPerSecond: run.metrics.docsIn / run.seconds,
        MBps: (4 * bytes) / 1e6 / run.seconds,
        speedup: x4OneThread / run.seconds,
        peakRssMB: run.peakRssMB,
        docs: run.metrics.docsIn,
      };
      rows.push([
        `${corpora[corpus].label}, 4× corpus, ${mode.slice(4)}`,
        `${Math.round(run.metrics.docsIn / run.seconds)} docs/s`,
        `${((4 * bytes) / 1e6 / run.seconds).toFixed(2)} MB/s`,
        `×${(x4OneThread / run.seconds).toFixed(2)}`,
        `RSS ${run.peakRssMB.toFixed(0)} MB`,
      ]);
      console.log(`  … ${rows.at(-1)!.join('  ')}`);
    }
    results[corpus] = out;
  }
} finally {
  await redis?.stop();
  rmSync(scratch, { recursive: true, force: true });
}
(results.machine as Record<string, unknown>).loadAverageAtEnd = loadavg();

console.log(
  `\nkiln prepare (data stage) on ${threads} threads, Node ${process.version}, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
writeFileSync(join(ROOT, 'bench-results/prepare.json'), JSON.stringify(results, null, 2) + '\n');
