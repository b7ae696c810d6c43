// The example as `kiln train` runs it (same config file, same core, same model),
// shortened to 100 steps of 8 rows: the validation loss must already sit well below
// the unigram entropy of the text, i.e. the model has learned more than byte frequencies.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger } from '@kiln/core';
import { describe, expect, it } from 'vitest';

const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));

describe('example: state-of-the-union', () => {
  it('kiln train drives the validation loss well below the unigram entropy', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'kiln-sotu-'));
    const kiln = await createKiln({
      cwd: EXAMPLE,
      command: 'train',
      runDir,
      logger: createMemoryLogger(),
      overrides: [
        'train.steps=100',
        'train.batchSize=8',
        'train.warmupSteps=10',
        'train.evalEvery=0',
        'train.checkpointEvery=0',
      ],
    });
    try {
      const { train } = await kiln.run(['train']);
      const val = train.metrics!['val/loss'];
      const entropy = train.metrics!['data/unigramEntropy'];
      console.info(
        `[state-of-the-union] 100 steps: val/loss ${val.toFixed(3)} vs unigram entropy ${entropy.toFixed(3)} nats/byte`,
      );
      expect(entropy).toBeGreaterThan(2.8); // bytes of English prose: ~2.95 nats
      expect(val).toBeLessThan(entropy - 0.3);
      expect(train.modelDir).toBe('checkpoints/step-000100');
    } finally {
      await kiln.close();
    }
  }, 180_000);
});
