import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetricsSink } from '../src/services/metrics.js';

/** The JSON records of the file; the torn line the test writes stays in it (counted apart). */
const read = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('{"torn"'))
    .map((l) => JSON.parse(l));

describe('metrics.rewind: a resumed stage logs each step once', () => {
  it("drops the killed run's records after the checkpoint, keeps finished runs of the stage and other stages", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kiln-metrics-')), 'metrics.jsonl');
    const align = createMetricsSink(file, 'align');
    const train = createMetricsSink(file, 'train');
    // An earlier align trainer that finished (steps 1..3), then one killed after step 5 (checkpoint at 4).
    for (const step of [1, 2, 3]) align.write({ event: 'step', step, loss: step });
    align.write({ event: 'stage_end' });
    train.write({ event: 'step', step: 9, loss: 0 });
    align.write({ event: 'stage_start' });
    for (const step of [1, 2, 3, 4, 5]) align.write({ event: 'step', step, loss: 10 + step });
    align.write({ event: 'checkpoint', step: 4, dir: 'x' });
    align.write({ event: 'eval', step: 5, 'val/loss': 1 });
    writeFileSync(file, readFileSync(file, 'utf8') + '{"torn": \n');
    expect(align.rewind(4)).toBe(2); // step 5 and the eval at 5
    for (const step of [5, 6]) align.write({ event: 'step', step, loss: 20 + step });
    const records = read(file);
    const alignSteps = records.filter((r) => r.stage === 'align' && r.event === 'step').map((r) => r.step);
    expect(alignSteps).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6]);
    expect(records.filter((r) => r.stage === 'align' && r.event === 'step' && r.step === 5).map((r) => r.loss)).toEqual(
      [25],
    );
    expect(records.some((r) => r.stage === 'train' && r.step === 9)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('{"torn": \n'); // a torn line is left for readers to count
    expect(records.find((r) => r.event === 'resume')).toMatchObject({ stage: 'align', step: 4, dropped: 2 });
  });
});
