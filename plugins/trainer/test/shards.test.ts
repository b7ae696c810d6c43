import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeDocuments } from '@kiln/data';
import { describe, expect, it } from 'vitest';
import { runTrain, tempDir, writeText } from './run-helper.js';

const MODEL = { architecture: 'gpt2', vocabSize: 257, context: 16, nLayer: 1, nEmbd: 16, nHead: 2 };
const TRAIN = { steps: 5, batchSize: 2, seqLen: 16, lr: 3e-3, warmupSteps: 1, evalEvery: 0, evalBatches: 2 };

async function encode(root: string, runDir: string): Promise<void> {
  const lines = readFileSync(writeText(root), 'utf8').split('\n').filter(Boolean);
  async function* docs() {
    for (const [i, text] of lines.entries()) yield { id: `doc:${i}`, text };
  }
  await encodeDocuments(docs(), { outDir: join(runDir, 'shards'), threads: 1, valFraction: 0.2, seed: 3 });
}

describe('causal-lm on token shards from the encode stage', () => {
  it('trains on <runDir>/shards by default, evaluates on the val split, and resumes exactly', async () => {
    const root = tempDir('shards');
    await encode(root, join(root, 'full'));
    await encode(root, join(root, 'cut'));
    const full = await runTrain({ root, runDir: join(root, 'full'), train: TRAIN, model: MODEL });
    expect(full.result.metrics?.['val/loss']).toBeGreaterThan(0);
    expect(full.logs.some((l) => l.message.endsWith('training data') && /shards/.test(JSON.stringify(l)))).toBe(true);
    const first = await runTrain({ root, runDir: join(root, 'cut'), train: TRAIN, model: MODEL, stopAfter: 2 });
    const second = await runTrain({ root, runDir: join(root, 'cut'), train: { ...TRAIN, resume: true }, model: MODEL });
    expect([...first.losses, ...second.losses]).toEqual(full.losses);
    expect(second.result.metrics?.['val/loss']).toBe(full.result.metrics?.['val/loss']);
  });

  it('without text or shards the error says what to do', async () => {
    const root = tempDir('nodata');
    await expect(runTrain({ root, runDir: join(root, 'r'), train: TRAIN, model: MODEL })).rejects.toThrow(
      /train\.data\.text.*kiln prepare/,
    );
  });
});
