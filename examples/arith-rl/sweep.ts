// The whole example for several seeds, then one table: accuracy after each stage with its 95%
// interval, the reward model's held-out pairwise accuracy, and each post-training stage's paired
// gain over SFT with its interval, per seed and pooled.
//   npm run sweep                      3 seeds (1, 2, 3), reusing runs/'s prepared data, pretraining and SFT
//   npm run sweep -- --fresh           the same from scratch (deletes this example's runs/)
//   npm run sweep -- --smoke           a short run of the script itself (CI): tiny budgets, 2 seeds
// Options: --seeds 1,2,3  --jobs N (seeds at once; default: all)  --threads N (per seed)
//
// data/*.jsonl is written first (data.ts). The data, tokenizer and encode stages run once, in runs/arith; each seed then trains in its own
// run directory (runs/arith-seed-N) that starts with those prepared files, so its own kiln run
// skips them (the seed is not part of their cache key) and runs train, finetune, the four align
// trainers (ALIGN=reward-model, grpo-rm, grpo-em, dpo) and the held-out evaluation.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createKiln, createMemoryLogger, type Logger } from '@kiln/core';
import { answerTaskItems, readTaskItems } from '@kiln/eval';
import { jinjaTrainingTemplate } from '@kiln/finetune';
import { writeFileAtomicSync } from '@kiln/tensor';
import { writeTaskData } from './data.ts';
import { ARITH_TEMPLATE, EOT } from './layout.ts';
import { ALIGN_RUNS, EVAL_MAX_TOKENS, PAIRS_VAL_FRACTION } from './llm.config.ts';
import { accuracy, formatAccuracy, formatGain, pairedGain, pooledAccuracy, pooledGain } from './stats.ts';

const ROOT = import.meta.dirname;
const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3' },
    smoke: { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    jobs: { type: 'string' },
    threads: { type: 'string' },
    child: { type: 'string' },
  },
});
const smoke = values.smoke;
const seeds = (smoke && values.seeds === '1,2,3' ? '1,2' : values.seeds).split(',').map(Number);
if (seeds.some((s) => !Number.isInteger(s) || s < 0))
  throw new Error(`--seeds: non-negative integers, got ${values.seeds}`);
const jobs = Math.max(1, Number(values.jobs ?? seeds.length));
const threads = Math.max(1, Number(values.threads ?? Math.floor(cpus().length / Math.min(jobs, seeds.length))));
const runs = smoke ? 'runs/smoke' : 'runs';
const prepared = join(runs, 'arith');
const seedDir = (seed: number) => join(runs, `arith-seed-${seed}`);
/** Budgets that only check the script end to end (CI): nothing here is a result. */
const SMOKE = [
  'train.steps=20',
  'train.warmupSteps=2',
  'train.evalEvery=0',
  'finetune.steps=10',
  'finetune.evalEvery=0',
  'align.steps=2',
  'align.evalEvery=0',
];
const SMOKE_PROBLEMS = 20;
const STAGES = ['pretrain', 'sft', ...ALIGN_RUNS.filter((r) => r !== 'reward-model')] as const;
const LABELS: Record<string, string> = {
  pretrain: 'pretrained',
  sft: 'SFT',
  'grpo-rm': 'GRPO, reward-model reward',
  'grpo-em': 'GRPO, exact-match reward',
  dpo: 'DPO',
};

/** What one seed leaves in <seed dir>/sweep-result.json. */
interface SeedResult {
  seed: number;
  /** Per stage, per held-out problem: '1' right, '0' wrong. */
  answers: Record<string, string>;
  rmPairwiseAccuracy: number;
  rmValPairs: number;
  /** The backend the seed trained on (config backend: 'auto'). */
  backend: string;
  seconds: Record<string, number>;
}

const quietLogger = (file: string): Logger => {
  const log = (level: string) => (message: string, data?: unknown) =>
    writeFileSync(file, `${level}: ${message}${data === undefined ? '' : ` ${JSON.stringify(data)}`}\n`, { flag: 'a' });
  return { debug() {}, info: log('info'), warn: log('warn'), error: log('error') };
};

async function runStages(o: {
  runDir: string;
  overrides: string[];
  stages: Array<'data' | 'tokenizer' | 'encode' | 'train' | 'finetune' | 'align'>;
  env?: Record<string, string>;
  logger: Logger;
}) {
  const kiln = await createKiln({
    cwd: ROOT,
    runDir: o.runDir,
    command: 'run',
    overrides: o.overrides,
    env: { ...process.env, ...o.env },
    logger: o.logger,
  });
  try {
    return await kiln.run(o.stages);
  } finally {
    await kiln.close();
  }
}

/** One seed: train, finetune, the four align runs, then every model's answers to the held-out problems. */
async function runSeed(seed: number): Promise<void> {
  const runDir = join(ROOT, seedDir(seed));
  const logger = quietLogger(join(runDir, 'sweep.log'));
  const overrides = [`seed=${seed}`, `backendOptions.threads=${threads}`, ...(smoke ? SMOKE : [])];
  const seconds: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await work();
    seconds[name] = Math.round((performance.now() - t0) / 100) / 10;
    process.stderr.write(`seed ${seed}: ${name} done in ${seconds[name]} s\n`);
    return out;
  };
  const base = await timed('train+finetune', () =>
    runStages({ runDir, overrides, stages: ['data', 'tokenizer', 'encode', 'train', 'finetune'], logger }),
  );
  const skipped = ['data', 'tokenizer', 'encode'].filter((s) => base[s]?.skipped);
  logger.info(`prepared stages reused: ${skipped.join(', ') || 'none'}`);
  const align: Record<string, Record<string, number>> = {};
  for (const method of ALIGN_RUNS) {
    const r = await timed(method, () =>
      runStages({ runDir, overrides, stages: ['align'], env: { ALIGN: method }, logger }),
    );
    align[method] = r.align.metrics ?? {};
  }
  let backend = '';
  const answers = await timed('eval', async () => {
    const kiln = await createKiln({ cwd: ROOT, runDir, command: 'eval', overrides, logger });
    try {
      const ctx = kiln.context();
      backend = (await ctx.backend()).info.name;
      const state = (await ctx.runDir.readJson<{ stages: Record<string, { modelDir?: string }> }>('state.json'))!;
      const dirs: Record<string, string> = {
        pretrain: state.stages.train.modelDir!,
        sft: state.stages.finetune.modelDir!,
        ...Object.fromEntries(ALIGN_RUNS.filter((r) => r !== 'reward-model').map((r) => [r, `align/${r}`])),
      };
      const all = await readTaskItems(join(ROOT, 'data/heldout.jsonl'));
      const items = smoke ? all.slice(0, SMOKE_PROBLEMS) : all;
      const training = jinjaTrainingTemplate(ARITH_TEMPLATE);
      const template = { render: training.prompt, stop: [EOT] };
      const out: Record<string, string> = {};
      for (const [stage, dir] of Object.entries(dirs)) {
        const { model } = await ctx.hooks.loadModel(ctx.runDir.path(dir));
        const r = await answerTaskItems(
          model,
          items,
          { template, maxTokens: EVAL_MAX_TOKENS, caseSensitive: true },
          ctx,
        );
        (model as { dispose?(): void }).dispose?.();
        out[stage] = r.correct.map((c) => (c ? '1' : '0')).join('');
      }
      return out;
    } finally {
      await kiln.close();
    }
  });
  const pairs = readFileSync(join(ROOT, 'data/pairs.jsonl'), 'utf8').trim().split('\n').length;
  const result: SeedResult = {
    seed,
    answers,
    rmPairwiseAccuracy: align['reward-model']['val/pairwiseAccuracy'],
    rmValPairs: Math.max(1, Math.round(pairs * PAIRS_VAL_FRACTION)),
    backend,
    seconds,
  };
  const file = join(runDir, 'sweep-result.json');
  writeFileAtomicSync(file, `${JSON.stringify(result, null, 1)}\n`);
}

/** Run each seed in a child process (this script with --child), `jobs` at a time. */
async function runChildren(): Promise<void> {
  const queue = [...seeds];
  const failures: string[] = [];
  const worker = async () => {
    for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
      const args = [...process.execArgv, process.argv[1], '--child', String(seed), '--threads', String(threads)];
      if (smoke) args.push('--smoke');
      const code = await new Promise<number>((done) => {
        const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
        child.on('exit', (c) => done(c ?? 1));
      });
      if (code !== 0) failures.push(`seed ${seed} (exit ${code}; see ${join(seedDir(seed), 'sweep.log')})`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, seeds.length) }, worker));
  if (failures.length) throw new Error(`failed: ${failures.join(', ')}`);
}

function printTable(results: SeedResult[]): void {
  const bools = (r: SeedResult, stage: string) => [...r.answers[stage]].map((c) => c === '1');
  const n = results[0].answers.sft.length;
  const head = ['', ...results.map((r) => `seed ${r.seed}`), 'pooled'];
  const rows: string[][] = [];
  rows.push([`accuracy, % [95% interval], ${n} held-out problems`]);
  for (const stage of STAGES) {
    const each = results.map((r) => accuracy(bools(r, stage)));
    rows.push([
      LABELS[stage],
      ...each.map(formatAccuracy),
      formatAccuracy(pooledAccuracy(results.map((r) => bools(r, stage)))),
    ]);
  }
  // Each seed's held-out pairs as right/wrong (the stage reports the share; the count is the split's).
  const rmPairs = results.map((r) => {
    const hits = Math.round(r.rmPairwiseAccuracy * r.rmValPairs);
    return Array.from({ length: r.rmValPairs }, (_, i) => i < hits);
  });
  rows.push([
    `reward model, pairwise accuracy on ${results[0].rmValPairs} held-out pairs`,
    ...rmPairs.map((pairs) => formatAccuracy(accuracy(pairs))),
    formatAccuracy(accuracy(rmPairs.flat())),
  ]);
  rows.push(['gain over SFT, points [95% interval], paired on the same problems']);
  for (const stage of STAGES.slice(2)) {
    const each = results.map((r) => pairedGain(bools(r, stage), bools(r, 'sft')));
    const pooled = pooledGain(
      results.map((r) => bools(r, stage)),
      results.map((r) => bools(r, 'sft')),
    );
    rows.push([LABELS[stage], ...each.map(formatGain), formatGain(pooled)]);
  }
  const width = (c: number) => Math.max(...[head, ...rows.filter((r) => r.length > 1)].map((r) => (r[c] ?? '').length));
  const line = (r: string[]) =>
    r.length === 1 ? r[0] : r.map((cell, c) => (c === 0 ? cell.padEnd(width(0)) : cell.padStart(width(c)))).join('   ');
  console.log([line(head), ...rows.map(line)].join('\n'));
}

if (values.child !== undefined) {
  await runSeed(Number(values.child));
} else {
  const started = performance.now();
  if (values.fresh) rmSync(join(ROOT, runs), { recursive: true, force: true });
  const logger = smoke ? createMemoryLogger() : quietLogger(join(ROOT, 'sweep-prepare.log'));
  mkdirSync(join(ROOT, runs), { recursive: true });
  writeTaskData();
  await runStages({
    runDir: join(ROOT, prepared),
    overrides: smoke ? SMOKE : [],
    stages: ['data', 'tokenizer', 'encode'],
    logger,
  });
  for (const seed of seeds) {
    // Each seed's run directory starts with the prepared files and their state.json records.
    const dir = join(ROOT, seedDir(seed));
    if (!existsSync(join(dir, 'state.json'))) {
      mkdirSync(dir, { recursive: true });
      for (const part of ['data', 'tokenizer', 'shards', 'state.json'])
        cpSync(join(ROOT, prepared, part), join(dir, part), { recursive: true, preserveTimestamps: true });
    }
  }
  await runChildren();
  const results = seeds.map(
    (seed) => JSON.parse(readFileSync(join(ROOT, seedDir(seed), 'sweep-result.json'), 'utf8')) as SeedResult,
  );
  printTable(results);
  const wall = (performance.now() - started) / 1000;
  console.log(
    `\n${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, backend ${[...new Set(results.map((r) => r.backend))].join('/')}; ${seeds.length} seeds, ${Math.min(jobs, seeds.length)} at a time, ${threads} thread(s) each; ` +
      `wall ${Math.floor(wall / 60)} min ${Math.round(wall % 60)} s; load average at the end ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
  );
}
