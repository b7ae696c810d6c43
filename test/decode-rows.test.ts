// Engine.decode (one token for each of several sequences, each in its own cache
// row at its own position) against Engine.forward run for each sequence alone:
// on the native backend the same bits (a sequence's logits do not depend on the
// batch), f32 and int8; on the reference backend and wasm within float rounding.
// Also the fallback path (a backend without attentionKVRows) and bad arguments.
// For GPT-2 (learned positions) and Llama (rotary embeddings at each row's own
// position, grouped-query attention).
import { NativeBackend } from '@kiln/backend-native';
import { WasmBackend } from '@kiln/backend-wasm';
import { GPT2, Gpt2Engine } from '@kiln/gpt2';
import { Llama, LlamaEngine } from '@kiln/llama';
import { type Backend, createRng, type InferenceEngine, ReferenceBackend } from '@kiln/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { quantizeEngine } from './helpers/quantize-engine.js';

const sizes = { vocabSize: 97, nPositions: 24, nLayer: 2, nEmbd: 32, nHead: 4 };
// Two query heads per key/value head (GQA), the head size 8 even for rotary embeddings.
const llamaConfig = { ...sizes, nKvHead: 2 };

interface Architecture {
  name: string;
  /** Floats per position in one layer's key (or value) cache. */
  kvWidth: number;
  make(be: Backend): Gpt2Engine | LlamaEngine;
}

const architectures: Architecture[] = [
  {
    name: 'GPT-2',
    kvWidth: sizes.nEmbd,
    make: (be) => Gpt2Engine.fromGpt2(new GPT2(sizes, be, createRng(3))),
  },
  {
    name: 'Llama',
    kvWidth: llamaConfig.nKvHead * (llamaConfig.nEmbd / llamaConfig.nHead),
    make: (be) => LlamaEngine.fromLlama(new Llama(llamaConfig, be, createRng(3))),
  },
];

const { vocabSize: V, nLayer } = sizes;

/** Sequences of different lengths, each prefilled alone, then a decode step for all of them. */
async function compare(engine: InferenceEngine, kvWidth: number) {
  const be = engine.backend;
  const rng = createRng(5);
  const prompts = [3, 7, 1, 11, 5].map((len) => Int32Array.from({ length: len }, () => rng.int(V)));
  const next = Int32Array.from(prompts, () => rng.int(V));
  // Rows out of order in a cache with spare rows, as a scheduler leaves them.
  const rows = Int32Array.from([4, 0, 6, 2, 5]);
  const batch = engine.createCache(7, 16);
  const alone: Float32Array[] = [];
  for (let i = 0; i < prompts.length; i++) {
    const own = engine.createCache(1, 16);
    be.free(await engine.forward(prompts[i], own, 0));
    const logits = await engine.forward(Int32Array.of(next[i]), own, prompts[i].length, { lastOnly: true });
    alone.push((await be.read(logits)) as Float32Array);
    be.free(logits);
    engine.freeCache(own);
    // The same prefill into this sequence's row of the shared cache.
    const one = engine.createCache(1, 16);
    be.free(await engine.forward(prompts[i], one, 0));
    for (let l = 0; l < nLayer; l++) {
      const C = 16 * kvWidth;
      be.copy({ buf: batch.k[l], offset: rows[i] * C }, one.k[l], C);
      be.copy({ buf: batch.v[l], offset: rows[i] * C }, one.v[l], C);
    }
    engine.freeCache(one);
  }
  const positions = Int32Array.from(prompts, (p) => p.length);
  const logits = await engine.decode!(next, batch, rows, positions);
  const batched = (await be.read(logits)) as Float32Array;
  be.free(logits);
  engine.freeCache(batch);
  return { alone, batched };
}

const backends: Backend[] = [];
afterAll(async () => {
  for (const b of backends) await b.dispose();
});

for (const arch of architectures) {
  async function engineOn(be: Backend, int8 = false): Promise<Gpt2Engine | LlamaEngine> {
    backends.push(be);
    const engine = arch.make(be);
    if (int8) await quantizeEngine(engine.matrices, { bits: 8, group: 32 });
    return engine;
  }

  describe(`${arch.name} Engine.decode: several sequences at their own positions in one step`, () => {
    for (const int8 of [false, true]) {
      it(`native${int8 ? ', int8' : ''}: each row's logits are the same bits as that sequence's forward alone`, async () => {
        const engine = await engineOn(await NativeBackend.create({ threads: 2 }), int8);
        const { alone, batched } = await compare(engine, arch.kvWidth);
        alone.forEach((a, i) => expect(batched.subarray(i * V, (i + 1) * V), `row ${i}`).toEqual(a));
      });
    }

    for (const [name, make] of [
      ['reference', async () => new ReferenceBackend()],
      ['wasm', () => WasmBackend.create({ threads: 2 })],
    ] as const) {
      it(`${name}: each row's logits match that sequence's forward alone`, async () => {
        const { alone, batched } = await compare(await engineOn(await make()), arch.kvWidth);
        alone.forEach((a, i) => {
          const row = batched.subarray(i * V, (i + 1) * V);
          for (let v = 0; v < V; v++) expect(Math.abs(row[v] - a[v]), `row ${i} token ${v}`).toBeLessThan(1e-5);
        });
      });
    }

    it('a backend without attentionKVRows decodes through one attentionKV per row, to the same logits', async () => {
      const native = await NativeBackend.create({ threads: 1 });
      backends.push(native);
      // The same backend with its optional op hidden.
      const without = Object.create(native, { attentionKVRows: { value: undefined } }) as NativeBackend;
      const { alone, batched } = await compare(arch.make(without), arch.kvWidth);
      alone.forEach((a, i) => expect(batched.subarray(i * V, (i + 1) * V), `row ${i}`).toEqual(a));
    });

    it('refuses rows that repeat or lie outside the cache, and positions past it, naming the argument', async () => {
      const engine = await engineOn(new ReferenceBackend());
      const cache = engine.createCache(2, 4);
      const ids = Int32Array.of(1, 2);
      await expect(engine.decode(ids, cache, Int32Array.of(0, 0), Int32Array.of(0, 0))).rejects.toThrow(
        /row 0 appears twice/,
      );
      await expect(engine.decode(ids, cache, Int32Array.of(0, 2), Int32Array.of(0, 0))).rejects.toThrow(
        /rows\[1\] = 2 is not a row of the cache \(2 rows\)/,
      );
      await expect(engine.decode(ids, cache, Int32Array.of(0, 1), Int32Array.of(4, 0))).rejects.toThrow(
        /positions\[0\] = 4 exceeds the cache \(4 positions\)/,
      );
      await expect(engine.decode(ids, cache, Int32Array.of(0), Int32Array.of(0, 0))).rejects.toThrow(
        /2 ids need as many rows and positions/,
      );
      engine.freeCache(cache);
    });
  });
}
