/**
 * `kiln prepare --queue`: the data stage's shards on `kiln worker` processes through BullMQ on a
 * real redis-server (started here on a free loopback port, no persistence). Over real corpora
 * (State of the Union 1990–2016 + 4000 Tang poems) the distributed run's clean.jsonl, report.json
 * and manifest.json must be byte-identical to the local single-thread run's, with two workers,
 * with one of them killed -9 while it holds a shard, and across a coordinator restart.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { dataFiles, PREPARE_CONFIG_DIR, runData } from '../plugins/data/test/prepare-helpers.js';
import { freePort, type RedisServer, redisMissing, startRedis } from './helpers/redis-server.js';

/** Every process these tests start, killed after each test whatever happened. */
const children = new Set<ChildProcess>();
const track = (child: ChildProcess) => (children.add(child), child.once('exit', () => children.delete(child)), child);
const killAll = () => children.forEach((c) => c.kill('SIGKILL'));

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const KILN = join(REPO_ROOT, 'test/run-kiln.ts');

interface WorkerProcess {
  child: ChildProcess;
  log: string[];
  /** Resolves with the first log line matching. */
  waitFor(pattern: RegExp): Promise<string>;
  stop(): Promise<void>;
}

function startWorker(url: string): WorkerProcess {
  const child = track(
    spawn(
      process.execPath,
      [
        '--conditions=kiln-source',
        '--import',
        'tsx',
        KILN,
        'worker',
        '--queue',
        url,
        '--threads',
        '1',
        '--lock-ms',
        '2000',
      ],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  const log: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  let partial = '';
  const onData = (d: Buffer) => {
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      log.push(line);
      for (const w of waiters.filter((w) => w.pattern.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return {
    child,
    log,
    waitFor: (pattern) => {
      const seen = log.find((l) => pattern.test(l));
      return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pattern, resolve }));
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `kiln data --queue URL` (the coordinator) in its own process, as a user runs it. */
function coordinator(
  url: string,
  runDir: string,
  configFile = 'llm.config.ts',
): { child: ChildProcess; done: Promise<{ code: number | null; output: string }> } {
  const child = track(
    spawn(
      process.execPath,
      [
        '--conditions=kiln-source',
        '--import',
        'tsx',
        KILN,
        'data',
        join(PREPARE_CONFIG_DIR, configFile),
        '--run-dir',
        runDir,
        '--queue',
        url,
      ],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return { child, done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, output }))) };
}

const shardsDone = (w: WorkerProcess) => w.log.filter((l) => l.includes('done shard')).length;

test('an unreachable Redis fails at once, naming the URL, before anything is read', async () => {
  const url = `redis://127.0.0.1:${await freePort()}`;
  const started = performance.now();
  const error = await runData([`data.queue=${url}`]).catch((e: unknown) => e);
  expect(String(error)).toContain(`data.queue: cannot reach Redis at ${url}`);
  expect(performance.now() - started).toBeLessThan(10_000);
});

test('kiln worker with an unreachable Redis exits 2, naming the URL', async () => {
  const url = `redis://127.0.0.1:${await freePort()}`;
  const worker = startWorker(url);
  const code = await new Promise((resolve) => worker.child.once('exit', resolve));
  expect(code).toBe(2);
  expect(worker.log.join('\n')).toContain(`kiln worker --queue: cannot reach Redis at ${url}`);
});

describe.skipIf(redisMissing !== undefined)('distributed prepare on redis-server', () => {
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  const local: Record<string, Record<string, string>> = {};
  const newRunDir = () => mkdtempSync(join(tmpdir(), 'kiln-prepare-queue-'));

  beforeAll(async () => {
    redis = await startRedis();
    for (const config of ['llm.config.ts', 'paced.config.ts'])
      local[config] = dataFiles((await runData(['data.threads=1'], { configFile: config })).runDir);
  });
  afterEach(killAll);
  afterAll(async () => {
    killAll();
    await redis?.stop();
  });

  async function startWorkers(n: number): Promise<WorkerProcess[]> {
    workers = Array.from({ length: n }, () => startWorker(redis.url));
    await Promise.all(workers.map((w) => w.waitFor(/worker on redis:/)));
    return workers;
  }

  const expectSameAsLocal = (runDir: string, config = 'llm.config.ts') => {
    const files = dataFiles(runDir);
    for (const file of Object.keys(local[config])) expect(files[file], file).toBe(local[config][file]);
  };

  test('two workers write byte-identical data files', async () => {
    await startWorkers(2);
    const runDir = newRunDir();
    const { code, output } = await coordinator(redis.url, runDir).done;
    expect(code, output).toBe(0);
    expectSameAsLocal(runDir);
    // Both took part (~26 shards of 40 000 characters, one task each).
    for (const w of workers) expect(shardsDone(w)).toBeGreaterThan(0);
    await Promise.all(workers.map((w) => w.stop()));
  });

  test('a worker killed -9 mid-shard: another finishes its shard, nothing counted twice', async () => {
    // The paced config waits 1 ms a document, so a worker holds each poem shard for ~0.5 s.
    const [victim, survivor] = await startWorkers(2);
    const runDir = newRunDir();
    const run = coordinator(redis.url, runDir, 'paced.config.ts');
    // A shard of poems (hundreds of documents, so ~0.5 s of work), not a one-address SOTU shard.
    const poemShard = await victim.waitFor(/start shard \d+ stretch 1 .*: \d{3,} documents/);
    const held = /\((\S+),/.exec(poemShard)![1];
    victim.child.kill('SIGKILL');
    const { code, output } = await run.done;
    expect(code, output).toBe(0);
    // Killed before it finished that shard; the survivor picked it up once the lock expired.
    expect(victim.log.some((l) => l.startsWith('done') && l.includes(held))).toBe(false);
    expect(survivor.log.some((l) => l.startsWith('done') && l.includes(held))).toBe(true);
    expectSameAsLocal(runDir, 'paced.config.ts');
    await survivor.stop();
  });

  test('a coordinator killed -9 and restarted takes the shards already done from Redis', async () => {
    await startWorkers(2);
    const runDir = newRunDir();
    const first = coordinator(redis.url, runDir);
    const done = () => workers.reduce((n, w) => n + shardsDone(w), 0);
    while (done() < 8) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    await first.done;
    const doneBefore = done();
    const { code, output } = await coordinator(redis.url, runDir).done;
    expect(code, output).toBe(0);
    const resumed = /data: (\d+) shard\(s\) were already done in Redis/.exec(output);
    expect(resumed, output).not.toBeNull();
    // Every shard finished before the restart, less any not yet marked done in Redis at that moment.
    expect(Number(resumed![1])).toBeGreaterThanOrEqual(doneBefore - workers.length);
    expectSameAsLocal(runDir);
  });
});

// Where redis-server is missing, the skipped test's name says why.
if (redisMissing) test.skip(redisMissing, () => {});
