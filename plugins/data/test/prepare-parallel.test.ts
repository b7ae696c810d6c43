// The data stage on worker threads: the same clean.jsonl, report.json and manifest.json,
// byte for byte, as on one thread, over real corpora (State of the Union + Tang poems).
import { describe, expect, it } from 'vitest';
import { dataFiles, runData } from './prepare-helpers.js';

describe('data stage on threads', () => {
  it('writes byte-identical data files on 1 and on 3 threads, deduplicating across shards', async () => {
    const one = await runData(['data.threads=1']);
    const three = await runData(['data.threads=3']);
    expect(three.logger.records.map((r) => r.message)).toContain(
      'data: 2 pass(es) in 1 task(s) per shard on 3 threads',
    );
    expect(one.logger.records.map((r) => r.message)).toContain('data: 2 pass(es) in 1 task(s) per shard on 1 thread');
    // Many shards, one task each: all but the first window ran on the pool's threads.
    const placed = three.logger.records
      .map((r) => /(\d+) shard task\(s\) on the threads, (\d+) on the main/.exec(r.message))
      .find(Boolean);
    expect(Number(placed![1])).toBeGreaterThan(Number(placed![2]));
    const a = dataFiles(one.runDir);
    const b = dataFiles(three.runDir);
    for (const file of Object.keys(a)) expect(b[file], file).toBe(a[file]);

    const report = JSON.parse(a['data/report.json']);
    // Not a vacuous match: every rule saw documents, the dedup steps dropped some, shards were many.
    expect(report.docsIn).toBe(27 + 4000);
    expect(report.rules['exact-dedup'].dropped).toBeGreaterThan(0);
    expect(report.rules['minhash-dedup'].dropped).toBeGreaterThan(0);
    expect(report.rules.pii.docsIn).toBe(report.docsOut);
    expect(Object.keys(report.extras.language.identified)).toEqual(['cmn', 'eng']);
  });

  it('gives the same files whatever the shard size', async () => {
    const small = await runData(['data.threads=2', 'data.shardChars=12000']);
    const large = await runData(['data.threads=2', 'data.shardChars=300000']);
    const a = dataFiles(small.runDir);
    const b = dataFiles(large.runDir);
    for (const file of Object.keys(a)) expect(b[file], file).toBe(a[file]);
  });

  it('refuses a bad data option before reading anything', async () => {
    await expect(runData(['data.threads=0'])).rejects.toThrow(/data\.threads/);
    await expect(runData(['data.queue=localhost:6379'])).rejects.toThrow(/data\.queue: a Redis URL/);
  });
});
