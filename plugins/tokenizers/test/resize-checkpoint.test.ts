import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GPT2 } from '@kiln/gpt2';
import { createRng, ReferenceBackend, readSafetensors } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { trainBpe } from '../src/bpe-trainer.js';
import { extendBpe, newTokenPieces } from '../src/extend.js';
import { resizeCheckpointVocab } from '../src/resize-checkpoint.js';
import { split } from './helpers.js';

describe('resizeCheckpointVocab', () => {
  it('grows a saved GPT-2 to the extended vocabulary; it loads and predicts over every new id', async () => {
    const en = split('english.txt');
    const zh = split('chinese.txt');
    const base = await trainBpe(en.train.slice(0, 40), { vocabSize: 400, pattern: 'gpt2' });
    const extended = await extendBpe(base, zh.train.slice(0, 400), { newTokens: 60 });
    const backend = new ReferenceBackend();
    const model = new GPT2(
      { vocabSize: base.vocabSize, nPositions: 16, nLayer: 1, nEmbd: 8, nHead: 2 },
      backend,
      createRng(1),
    );
    const dir = mkdtempSync(join(tmpdir(), 'kiln-resize-'));
    await model.save(join(dir, 'base'));

    const r = await resizeCheckpointVocab(join(dir, 'base'), join(dir, 'extended'), base, extended);
    expect(r.grown).toEqual(['transformer.wte.weight']);
    expect(JSON.parse(readFileSync(join(dir, 'extended/config.json'), 'utf8')).vocab_size).toBe(extended.vocabSize);

    const before = (await readSafetensors(join(dir, 'base/model.safetensors'))).tensors.get('transformer.wte.weight')!;
    const after = (await readSafetensors(join(dir, 'extended/model.safetensors'))).tensors.get(
      'transformer.wte.weight',
    )!;
    expect(after.shape).toEqual([extended.vocabSize, 8]);
    const [id, pieces] = [...newTokenPieces(base, extended)][0];
    for (let j = 0; j < 8; j++) {
      const mean = pieces.reduce((s, p) => s + before.data[p * 8 + j], 0) / pieces.length;
      expect(after.data[id * 8 + j]).toBeCloseTo(mean, 5);
    }

    const grown = await GPT2.load(join(dir, 'extended'), backend);
    const ids = Int32Array.from(extended.encode(zh.heldOut[0]).slice(0, 16));
    expect(Math.max(...ids)).toBeGreaterThanOrEqual(base.vocabSize); // new tokens are used
    expect(ids.length).toBe(16);
    const { logits } = grown.forward(ids, null);
    expect(logits.shape[logits.shape.length - 1]).toBe(extended.vocabSize);

    await expect(resizeCheckpointVocab(join(dir, 'extended'), join(dir, 'again'), base, extended)).rejects.toThrow(
      /vocab_size is \d+ but the base tokenizer/,
    );
  });
});
