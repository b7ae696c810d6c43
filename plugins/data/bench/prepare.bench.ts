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
import { type ChildProcess, spawn } from 'node:child_process';
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

/** One data-stage run in its own process (prepare-child.mjs prints its Run as the last line). */
function runChild(config: string, runDir: string, overrides: string[]): Promise<Run> {
  return new Promise<Run>((ok, fail) => {
    const child = spawn(NODE[0], [...NODE.slice(1), CHILD, config, runDir, ...overrides], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.once('exit', (code) =>
      code === 0
        ? ok(JSON.parse(out.trim().split('\n').pop()!) as Run)
        : fail(new Error(`prepare-child ${config} ${overrides.join(' ')} failed (${code})`)),
    );
  });
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
    /** A check that each run's data files equal the first run's (the 1-thread one). */
    const sameAsFirst = () => {
      let reference: string[] | undefined;
      return (runDir: string, what: string) => {
        const files = dataFiles(runDir);
        reference ??= files;
        if (files.some((f, i) => f !== reference![i]))
          throw new Error(`${corpus} ${what}: data files differ from the 1-thread run`);
      };
    };
    const check = sameAsFirst();
    const runIn = async (name: string, config: string, overrides: string[]): Promise<Run> => {
      const dir = join(scratch, name);
      const result = await runChild(config, dir, overrides);
      check(dir, name);
      return result;
    };
    /** A table row and a JSON entry: median seconds over `runs`, speed-up over `baseline` seconds. */
    const record = (label: string, key: string, runs: Run[], inputBytes: number, baseline: number) => {
      const seconds = median(runs.map((x) => x.seconds));
      const docs = runs[0].metrics.docsIn;
      const row = {
        seconds,
        runs: runs.map((x) => x.seconds),
        docsPerSecond: docs / seconds,
        MBps: inputBytes / 1e6 / seconds,
        speedup: baseline / seconds,
        peakRssMB: Math.max(...runs.map((x) => x.peakRssMB)),
        docs,
      };
      out[key] = row;
      rows.push([
        `${corpora[corpus].label}, ${label}`,
        `${Math.round(row.docsPerSecond)} docs/s`,
        `${row.MBps.toFixed(2)} MB/s`,
        `×${row.speedup.toFixed(2)}`,
        `RSS ${row.peakRssMB.toFixed(0)} MB`,
      ]);
      console.log(`  … ${rows.at(-1)!.join('  ')}  (runs: ${row.runs.map((x) => x.toFixed(2)).join(', ')} s)`);
    };
    // Each mode: one timed run (seconds, peak RSS) in a fresh run directory.
    const modes: Array<[string, (r: number) => Promise<Run>]> = [
      ['1 thread', (r) => runIn(`${corpus}-1-${r}`, x1, ['data.threads=1'])],
      [`${threads} threads`, (r) => runIn(`${corpus}-n-${r}`, x1, [`data.threads=${threads}`])],
      [
        `ceiling: ${threads} separate 1-thread runs at once`,
        async (r) => {
          const started = performance.now();
          const runs = await Promise.all(
            Array.from({ length: threads }, (_, k) => runIn(`${corpus}-ceiling-${r}-${k}`, x1, ['data.threads=1'])),
          );
          const seconds = (performance.now() - started) / 1000;
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
      modes.push(['queue, 2 workers', (r) => runIn(`${corpus}-queue-${r}`, x1, [`data.queue=${redis.url}`])]);
    }
    const timed = new Map<string, Run[]>(modes.map(([m]) => [m, []]));
    try {
      for (let r = 0; r < repeats; r++) for (const [mode, run] of modes) timed.get(mode)!.push(await run(r));
    } finally {
      for (const w of workers) w.kill('SIGTERM');
    }
    const oneThread = median(timed.get('1 thread')!.map((x) => x.seconds));
    for (const [mode, runs] of timed) record(mode, mode, runs, bytes, oneThread);
    // As the corpus grows: 4× the input, on 1 thread and on every core (startup weighs less here).
    const x4 = writeConfig(corpus, 4);
    const checkX4 = sameAsFirst();
    let x4OneThread = 0;
    for (const n of [1, threads]) {
      const runDir = join(scratch, `${corpus}-x4-${n}`);
      const run = await runChild(x4, runDir, [`data.threads=${n}`]);
      checkX4(runDir, `4x on ${n} threads`);
      x4OneThread ||= run.seconds;
      const mode = n === 1 ? '1 thread' : `${n} threads`;
      record(`4× corpus, ${mode}`, `4x, ${mode}`, [run], 4 * bytes, x4OneThread);
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
