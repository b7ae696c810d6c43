import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRun, renderReport } from '../src/index.js';
import { stepRecords } from '../src/sections.js';

const line = (r: Record<string, unknown>) => JSON.stringify(r);

describe('a resumed run in the report: each step once', () => {
  it('drops the steps a killed run logged past its checkpoint, keeps a finished stage that ran again', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-report-resume-'));
    const lines: string[] = [line({ stage: 'train', event: 'stage_start' })];
    // Killed after step 8 with the last checkpoint at 6 (a file written before metrics.rewind existed).
    for (let step = 1; step <= 8; step++) lines.push(line({ stage: 'train', event: 'step', step, loss: 10 - step }));
    lines.push(line({ stage: 'train', event: 'eval', step: 8, 'val/loss': 3 }));
    lines.push(line({ stage: 'train', event: 'stage_start' }));
    for (let step = 7; step <= 12; step++) lines.push(line({ stage: 'train', event: 'step', step, loss: 20 - step }));
    lines.push(line({ stage: 'train', event: 'eval', step: 8, 'val/loss': 4 }));
    lines.push(line({ stage: 'train', event: 'stage_end' }));
    // Two align trainers one after the other: both start at step 1 and both stay.
    for (const n of [3, 2]) {
      lines.push(line({ stage: 'align', event: 'stage_start' }));
      for (let step = 1; step <= n; step++) lines.push(line({ stage: 'align', event: 'step', step, loss: n }));
      lines.push(line({ stage: 'align', event: 'stage_end' }));
    }
    writeFileSync(join(root, 'metrics.jsonl'), lines.join('\n') + '\n');
    const run = await readRun(root);
    const train = stepRecords(run.metrics).filter((r) => r.stage === 'train');
    expect(train.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(train.slice(6, 8).map((r) => r.loss)).toEqual([13, 12]); // the resumed run's values
    expect(run.metrics.filter((r) => r.event === 'eval').map((r) => r['val/loss'])).toEqual([4]);
    expect(
      stepRecords(run.metrics)
        .filter((r) => r.stage === 'align')
        .map((r) => r.step),
    ).toEqual([1, 2, 3, 1, 2]);
    expect(run.replayedRecords).toBe(3); // steps 7, 8 and the eval at 8 of the killed run
    expect(renderReport(run)).toContain('records logged twice by a resumed run (left out)');
  });

  it('a file the resumed run already rewound is left as it is', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-report-rewound-'));
    const lines = [1, 2, 3, 4].map((step) => line({ stage: 'finetune', event: 'step', step, loss: step }));
    lines.splice(2, 0, line({ stage: 'finetune', event: 'resume', step: 2, dropped: 1 }));
    writeFileSync(join(root, 'metrics.jsonl'), lines.join('\n') + '\n');
    const run = await readRun(root);
    expect(stepRecords(run.metrics).map((r) => r.step)).toEqual([1, 2, 3, 4]);
    expect(run.replayedRecords).toBe(0);
  });
});
