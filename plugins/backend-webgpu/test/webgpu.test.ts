// What the shared conformance suite does not reach: the GPU configuration
// (256-wide reductions, 64-row attention blocks, 64×64 and 128×128 matmul
// tiles) run on SwiftShader, aliased arguments, batching into few
// submissions, determinism, and the plugin's adapter choice.

import { type Backend, type Buf, ReferenceBackend } from '@kiln/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/backend.js';
import webgpu from '../src/index.js';
import { bucketBytes } from '../src/pool.js';
import { createBackend, noAdapter } from './gpu.js';

const d = noAdapter ? describe.skip : describe;

function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

/** max|a-b| / max|b| */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-30;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Run `op` on both backends from the same buffers' contents and return the named outputs. */
async function both(
  be: Backend,
  ref: Backend,
  inputs: Record<string, Float32Array | Int32Array>,
  op: (b: Backend, bufs: Record<string, Buf>) => void,
  outs: string[],
): Promise<{ got: Record<string, Float32Array>; want: Record<string, Float32Array> }> {
  const run = async (b: Backend) => {
    const bufs: Record<string, Buf> = {};
    for (const [k, v] of Object.entries(inputs)) {
      bufs[k] = b.alloc(v instanceof Int32Array ? 'i32' : 'f32', v.length);
      b.write(bufs[k], v);
    }
    op(b, bufs);
    const r: Record<string, Float32Array> = {};
    for (const k of outs) r[k] = (await b.read(bufs[k])) as Float32Array;
    for (const x of Object.values(bufs)) b.free(x);
    return r;
  };
  return { got: await run(be), want: await run(ref) };
}

d('WebGPU backend: the GPU kernel configuration, on whatever adapter is here', () => {
  let gpuLike: WebGPUBackend;
  let ref: ReferenceBackend;
  beforeAll(async () => {
    gpuLike = await createBackend({ reductionWidth: 256, queryBlock: 64, matmulTile: 'auto' });
    ref = new ReferenceBackend();
  });
  afterAll(async () => {
    await gpuLike?.dispose();
  });

  for (const tile of ['small', 'large', 'software'] as const) {
    it(`matmul with ${tile} tiles across tile edges, every transpose, bias and accumulate`, async () => {
      const be = await createBackend({ matmulTile: tile });
      const [M, N, K] = [131, 129, 37];
      // 256-invocation workgroups are slow on SwiftShader: two layouts each for the GPU tiles.
      const layouts =
        tile === 'software'
          ? [
              [false, false],
              [true, false],
              [false, true],
              [true, true],
            ]
          : [
              [false, true],
              [true, false],
            ];
      for (const [transA, transB] of layouts) {
        const { got, want } = await both(
          be,
          ref,
          { out: rand(M * N, 1), a: rand(M * K, 2), b: rand(K * N, 3), bias: rand(N, 4) },
          (b, x) => b.matmul({ out: x.out, a: x.a, b: x.b, bias: x.bias, M, N, K, transA, transB, accumulate: true }),
          ['out'],
        );
        expect(relErr(got.out, want.out), `transA=${transA} transB=${transB}`).toBeLessThan(1e-5);
      }
      await be.dispose();
    });
  }

  it('256-wide reductions: layernorm, rmsnorm and cross-entropy forward and backward', async () => {
    const [N, C, V] = [5, 300, 517];
    const ln = await both(
      gpuLike,
      ref,
      {
        out: rand(N * C, 1),
        mean: rand(N, 2),
        rstd: rand(N, 3),
        x: rand(N * C, 4),
        w: rand(C, 5),
        b: rand(C, 6),
        dx: rand(N * C, 7),
        dw: rand(C, 8),
        db: rand(C, 9),
        dout: rand(N * C, 10),
      },
      (b, x) => {
        b.layernorm(x.out, x.mean, x.rstd, x.x, x.w, x.b, N, C, 1e-5);
        b.layernormBackward(x.dx, x.dw, x.db, x.dout, x.x, x.w, x.mean, x.rstd, N, C);
        b.rmsnorm(x.out, x.rstd, x.x, x.w, N, C, 1e-5);
        b.rmsnormBackward(x.dx, x.dw, x.dout, x.x, x.w, x.rstd, N, C);
      },
      ['out', 'mean', 'rstd', 'dx', 'dw', 'db'],
    );
    for (const k of Object.keys(ln.want)) expect(relErr(ln.got[k], ln.want[k]), k).toBeLessThan(1e-4);
    const targets = Int32Array.from({ length: N }, (_, i) => (i === 2 ? -100 : (i * 97) % V));
    const ce = await both(
      gpuLike,
      ref,
      {
        losses: rand(N, 1),
        logits: rand(N * V, 2).map((v) => v * 20),
        targets,
        dloss: rand(N, 3),
        dlogits: rand(N * V, 4),
      },
      (b, x) => {
        b.crossEntropy(x.losses, x.logits, x.targets, N, V, -100);
        b.crossEntropyBackward(x.dlogits, x.logits, x.targets, x.dloss, N, V, -100);
      },
      ['losses', 'dlogits'],
    );
    expect(relErr(ce.got.losses, ce.want.losses)).toBeLessThan(1e-5);
    expect(relErr(ce.got.dlogits, ce.want.dlogits)).toBeLessThan(1e-5);
  });

  it('attention with 64-query blocks over T=66 (two blocks), GQA, causal, forward and backward', async () => {
    const [B, T, H, Hkv, D] = [1, 66, 2, 1, 8];
    const W = (H + 2 * Hkv) * D;
    const r = await both(
      gpuLike,
      ref,
      {
        qkv: rand(B * T * W, 1),
        out: rand(B * T * H * D, 2),
        lse: rand(B * H * T, 3),
        dout: rand(B * T * H * D, 4),
        dqkv: rand(B * T * W, 5),
      },
      (b, x) => {
        b.attention({ qkv: x.qkv, out: x.out, lse: x.lse, B, T, H, Hkv, D, causal: true });
        b.attentionBackward({
          qkv: x.qkv,
          out: x.out,
          lse: x.lse,
          dout: x.dout,
          dqkv: x.dqkv,
          B,
          T,
          H,
          Hkv,
          D,
          causal: true,
        });
      },
      ['out', 'lse', 'dqkv'],
    );
    for (const k of ['out', 'lse', 'dqkv']) expect(relErr(r.got[k], r.want[k]), k).toBeLessThan(1e-4);
  });
});

d('WebGPU backend: memory, aliasing, batching, determinism', () => {
  let be: WebGPUBackend;
  beforeAll(async () => {
    be = await createBackend();
  });
  afterAll(async () => {
    await be?.dispose();
  });

  it('ops whose arguments share one GPU buffer (in place, or views of one buffer) are bound once and correct', async () => {
    const x = be.alloc('f32', 10);
    be.write(
      x,
      Float32Array.from({ length: 10 }, (_, i) => i),
    );
    be.add(x, x, x, 10); // x = 2x
    be.axpy({ buf: x, offset: 5 }, { buf: x, offset: 0 }, 10, 5); // x[5+i] += 10 x[i]
    be.copy({ buf: x, offset: 1 }, x, 6); // overlapping: memmove semantics
    // 2x = [0,2,..,18]; x[5..10) += 10·x[0..5) → [.., 10,32,54,76,98]; then shift [0..6) right by one.
    expect(Array.from(await be.read(x))).toEqual([0, 0, 2, 4, 6, 8, 10, 54, 76, 98]);
    be.free(x);
  });

  it('a training-like sequence of ops is one submission; only read() waits', async () => {
    const a = be.alloc('f32', 4096);
    const b = be.alloc('f32', 4096);
    be.fill(a, 1, 4096);
    const before = be.stats.submits;
    for (let i = 0; i < 200; i++) be.axpy(b, a, 0.5, 4096);
    expect(be.stats.submits).toBe(before);
    const out = await be.read(b, 4090, 6);
    expect(Array.from(out)).toEqual(new Array(6).fill(100));
    expect(be.stats.submits).toBe(before + 1);
    be.free(a);
    be.free(b);
  });

  it('embedding backward with many repeated ids equals the sum in token order, identically on every run', async () => {
    const [n, C, V] = [300, 5, 7];
    const ids = Int32Array.from({ length: n }, (_, i) => (i * i) % V);
    const dout = rand(n * C, 9);
    const want = new Float32Array(V * C);
    for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) want[ids[i] * C + c] += dout[i * C + c];
    const runs: Float32Array[] = [];
    for (let r = 0; r < 2; r++) {
      const [t, g, id] = [be.alloc('f32', V * C), be.alloc('f32', n * C), be.alloc('i32', n)];
      be.write(g, dout);
      be.write(id, ids);
      be.embeddingBackward(t, g, id, n, C);
      runs.push((await be.read(t)) as Float32Array);
      [t, g, id].forEach((x) => be.free(x));
    }
    expect(relErr(runs[0], want)).toBeLessThan(1e-6);
    expect(Array.from(runs[1])).toEqual(Array.from(runs[0]));
  });

  it('refuses foreign, freed, wrongly typed and too short buffers, naming the op and argument', async () => {
    const ref = new ReferenceBackend();
    const x = be.alloc('f32', 4);
    expect(() => be.add(x, x, ref.alloc('f32', 4), 4)).toThrow(/webgpu\.add: b is not a buffer of this WebGPU backend/);
    expect(() => be.gelu(x, x, 5)).toThrow(/webgpu\.gelu: out needs 5 elements from offset 0 but has 4/);
    expect(() => be.embedding(x, x, x, 1, 1)).toThrow(/webgpu\.embedding: ids must be i32, got f32/);
    be.free(x);
    expect(() => be.scale(x, 2, 4)).toThrow(/webgpu\.scale: x was freed/);
    expect(() => be.write(be.alloc('i32', 2), new Float32Array(2))).toThrow(/needs a Int32Array/);
  });

  it('pool buckets: powers of two up to 1 MiB, then eighths', () => {
    expect(bucketBytes(1)).toBe(16);
    expect(bucketBytes(1000)).toBe(1024);
    expect(bucketBytes((1 << 20) + 1)).toBe((1 << 20) + (1 << 17));
    expect(bucketBytes(3_000_000)).toBe(3_145_728);
  });
});

d('WebGPU plugin', () => {
  const ctx = (backend: string) =>
    ({ config: { backend }, logger: { warn() {}, info() {}, debug() {}, error() {} } }) as never;

  it("is 'webgpu' by name, never picked by 'auto' on a software adapter, and describes the adapter", async () => {
    const p = webgpu().backend!;
    expect(p.name).toBe('webgpu');
    // 'auto' takes the highest priority among available backends: a real GPU must beat the CPU ones.
    const wasm = (await import('@kiln/backend-wasm')).default().backend!;
    expect(p.priority).toBeGreaterThan(wasm.priority);
    const described = await p.describe!(ctx('auto'), {});
    expect(typeof described.adapter).toBe('string');
    if (described.software) {
      expect(await p.available(ctx('auto'), {})).toMatch(/software adapter/); // no GPU device, or only SwiftShader
      expect(await p.available(ctx('webgpu'), {})).toBe(true);
    } else {
      expect(await p.available(ctx('auto'), {})).toBe(true);
    }
  });
});
