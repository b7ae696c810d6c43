import { GPT2 } from '@kiln/gpt2';
import { createRng, IGNORE_INDEX, noGrad, ReferenceBackend, tidy } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { PackedBatches, packExamples, type SftExample } from '../src/index.js';

const V = 31;
function example(rng: ReturnType<typeof createRng>, n: number): SftExample {
  const ids = Int32Array.from({ length: n }, () => rng.int(V));
  const labels = new Int32Array(n).fill(IGNORE_INDEX);
  for (let t = 0; t + 1 < n; t++) labels[t] = ids[t + 1];
  return { ids, labels };
}

describe('packing', () => {
  it('puts several examples in a row, with segment ids and padding ignored', () => {
    const rng = createRng(1);
    const ex = [example(rng, 5), example(rng, 4), example(rng, 7)];
    const { rows } = packExamples(ex, 10, 0);
    expect(rows.length).toBe(2); // 5+4 in one row, 7 in the next
    expect([...rows[0].segments]).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 2]);
    expect(rows[0].labels[9]).toBe(IGNORE_INDEX);
    expect([...rows[0].ids.subarray(5, 9)]).toEqual([...ex[1].ids]);
  });

  it('a packed example gets the same logits as alone: no attention across boundaries, positions restart', async () => {
    const be = new ReferenceBackend();
    const model = new GPT2({ vocabSize: V, nPositions: 16, nLayer: 2, nEmbd: 16, nHead: 2 }, be, createRng(5));
    const rng = createRng(2);
    const ex = [example(rng, 6), example(rng, 5), example(rng, 4)];
    const { rows } = packExamples(ex, 16, 0);
    expect(rows.length).toBe(1);
    const logits = async (ids: Int32Array, segments?: Int32Array) =>
      (await noGrad(() =>
        tidy(() => model.forward(ids, null, { T: ids.length, segments }).logits.toArray()),
      )) as Float32Array;
    const packed = await logits(rows[0].ids, rows[0].segments);
    const unsegmented = await logits(rows[0].ids);
    let at = 0;
    let leak = 0;
    for (const e of ex) {
      const alone = await logits(e.ids);
      for (let i = 0; i < alone.length; i++) {
        expect(Math.abs(packed[at * V + i] - alone[i])).toBeLessThan(1e-5);
        leak = Math.max(leak, Math.abs(unsegmented[at * V + i] - alone[i]));
      }
      at += e.ids.length;
    }
    // Without segments the later examples would see the earlier ones: the check above is not vacuous.
    expect(leak).toBeGreaterThan(1e-3);
  });

  it('PackedBatches serves rows with segments and resumes at the same position', () => {
    const rng = createRng(3);
    const { rows } = packExamples(
      Array.from({ length: 9 }, () => example(rng, 6)),
      8,
      0,
      false,
    );
    const a = new PackedBatches(rows, 7);
    a.next(4, 8);
    const saved = a.state();
    const next = a.next(4, 8);
    const b = new PackedBatches(rows, 7);
    b.restore(saved);
    expect(b.next(4, 8)).toEqual(next);
    expect(next.segments.length).toBe(32);
  });
});
