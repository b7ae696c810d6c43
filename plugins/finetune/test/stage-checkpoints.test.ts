import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger } from '@kiln/core';
import { GPT2 } from '@kiln/gpt2';
import { AdamW, createRng, ReferenceBackend } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { StageCheckpoints } from '../src/index.js';

describe('StageCheckpoints', () => {
  it('a write cut short leaves the last good checkpoint, which a resume uses (and the leftover is removed)', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'kiln-stage-ckpt-')), 'checkpoints');
    const model = new GPT2(
      { vocabSize: 11, nPositions: 8, nLayer: 1, nEmbd: 8, nHead: 2 },
      new ReferenceBackend(),
      createRng(1),
    );
    const opt = new AdamW(model.parameters(), { lr: 1e-3, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0 });
    const ckpts = new StageCheckpoints(root, 'gpt2', 'test@0', { steps: 10 });
    const base = { tokens: 0, weights: model, opt, rng: createRng(2).state() };
    await ckpts.save({ ...base, step: 2, data: { cursor: 2 } });
    // The write of step 4 dies after the weights and the optimizer, before its last file.
    const dying = ckpts.save({
      ...base,
      step: 4,
      data: { cursor: 4 },
      files: async () => Promise.reject(new Error('killed mid-write')),
    });
    await expect(dying).rejects.toThrow('killed mid-write');
    expect(readFileSync(join(root, 'latest'), 'utf8').trim()).toBe('step-000002');
    expect(existsSync(join(root, 'step-000004'))).toBe(false);
    expect(readdirSync(root).some((n) => n.endsWith('.tmp'))).toBe(true);

    const logger = createMemoryLogger();
    const point = await ckpts.resumePoint(true, logger, 'test');
    expect(point?.state).toMatchObject({ step: 2, data: { cursor: 2 }, format: 'kiln-trainer-state' });
    expect(readdirSync(root).some((n) => n.endsWith('.tmp'))).toBe(false);
    expect(await ckpts.resumePoint(false, logger, 'test')).toBeUndefined();
    opt.dispose();
    model.dispose();
  });

  it('warns when a resumed run changes an option that shapes it', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'kiln-stage-ckpt-')), 'checkpoints');
    const model = new GPT2(
      { vocabSize: 11, nPositions: 8, nLayer: 1, nEmbd: 8, nHead: 2 },
      new ReferenceBackend(),
      createRng(1),
    );
    const opt = new AdamW(model.parameters(), { lr: 1e-3, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0 });
    await new StageCheckpoints(root, 'gpt2', 'test@0', { steps: 10, lr: 1e-3 }).save({
      step: 3,
      tokens: 0,
      weights: model,
      opt,
      rng: createRng(2).state(),
      data: {},
    });
    const logger = createMemoryLogger();
    await new StageCheckpoints(root, 'gpt2', 'test@0', { steps: 10, lr: 5e-3 }).resumePoint(
      true,
      logger,
      'kiln:finetune',
    );
    expect(logger.records.map((r) => r.message)).toContain('kiln:finetune: resuming with a different lr');
    opt.dispose();
    model.dispose();
  });
});
