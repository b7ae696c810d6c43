import { createRng, type Rng } from '../rng.js';
import { decodeCases } from './decode-cases.js';
import type { OpCase } from './harness.js';
import { inferenceCases } from './inference-cases.js';
import type { ShapeSet } from './shapes.js';

/** Random f32 values, normal(0, std). */
export function randn(rng: Rng, n: number, std = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * std;
  return a;
}

function ints(rng: Rng, n: number, hi: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.int(hi);
  return a;
}

function matmulCases(rng: Rng, s: ShapeSet): OpCase[] {
  const out: OpCase[] = [];
  for (const [M, N, K] of s.matmul) {
    for (const [transA, transB, bias, accumulate] of [
      [false, false, false, false],
      [false, true, true, false],
      [true, false, false, true],
      [true, true, true, true],
    ] as const) {
      out.push({
        name: `matmul M=${M} N=${N} K=${K} transA=${transA} transB=${transB} bias=${bias} accumulate=${accumulate}`,
        bufs: { out: randn(rng, M * N), a: randn(rng, M * K), b: randn(rng, K * N), bias: randn(rng, N) },
        check: ['out'],
        tol: 'reduce',
        run: (be, b) =>
          be.matmul({
            out: b.out,
            a: b.a,
            b: b.b,
            bias: bias ? b.bias : undefined,
            M,
            N,
            K,
            transA,
            transB,
            accumulate,
          }),
      });
    }
    out.push({
      name: `biasBackward M=${M} N=${N}`,
      bufs: { dbias: randn(rng, N), dout: randn(rng, M * N) },
      check: ['dbias'],
      tol: 'reduce',
      run: (be, b) => be.biasBackward(b.dbias, b.dout, M, N),
    });
  }
  return out;
}

function rowCases(rng: Rng, s: ShapeSet): OpCase[] {
  const out: OpCase[] = [];
  for (const [N, C] of s.rows) {
    const eps = 1e-5;
    // Rows with a non-zero mean and scale, so normalization has work to do.
    const x = randn(rng, N * C, 2).map((v, i) => v + ((i / C) | 0) * 0.3);
    for (const withBias of [true, false]) {
      out.push({
        name: `layernorm N=${N} C=${C} bias=${withBias}`,
        bufs: {
          out: randn(rng, N * C),
          mean: randn(rng, N),
          rstd: randn(rng, N),
          x,
          w: randn(rng, C),
          b: randn(rng, C),
        },
        check: ['out', 'mean', 'rstd'],
        tol: 'reduce',
        run: (be, b) => be.layernorm(b.out, b.mean, b.rstd, b.x, b.w, withBias ? b.b : null, N, C, eps),
      });
      out.push({
        name: `layernormBackward N=${N} C=${C} bias=${withBias}`,
        bufs: (() => {
          const mean = new Float32Array(N);
          const rstd = new Float32Array(N);
          for (let n = 0; n < N; n++) {
            let m = 0;
            for (let c = 0; c < C; c++) m += x[n * C + c];
            m /= C;
            let v = 0;
            for (let c = 0; c < C; c++) v += (x[n * C + c] - m) ** 2;
            mean[n] = m;
            rstd[n] = 1 / Math.sqrt(v / C + eps);
          }
          return {
            dx: randn(rng, N * C),
            dw: randn(rng, C),
            db: randn(rng, C),
            dout: randn(rng, N * C),
            x,
            w: randn(rng, C),
            mean,
            rstd,
          };
        })(),
        check: withBias ? ['dx', 'dw', 'db'] : ['dx', 'dw'],
        tol: 'reduce',
        run: (be, b) =>
          be.layernormBackward(b.dx, b.dw, withBias ? b.db : null, b.dout, b.x, b.w, b.mean, b.rstd, N, C),
      });
    }
    out.push({
      name: `rmsnorm N=${N} C=${C}`,
      bufs: { out: randn(rng, N * C), rstd: randn(rng, N), x, w: randn(rng, C) },
      check: ['out', 'rstd'],
      tol: 'reduce',
      run: (be, b) => be.rmsnorm(b.out, b.rstd, b.x, b.w, N, C, 1e-6),
    });
    out.push({
      name: `rmsnormBackward N=${N} C=${C}`,
      bufs: (() => {
        const rstd = new Float32Array(N);
        for (let n = 0; n < N; n++) {
          let ss = 0;
          for (let c = 0; c < C; c++) ss += x[n * C + c] ** 2;
          rstd[n] = 1 / Math.sqrt(ss / C + 1e-6);
        }
        return { dx: randn(rng, N * C), dw: randn(rng, C), dout: randn(rng, N * C), x, w: randn(rng, C), rstd };
      })(),
      check: ['dx', 'dw'],
      tol: 'reduce',
      run: (be, b) => be.rmsnormBackward(b.dx, b.dw, b.dout, b.x, b.w, b.rstd, N, C),
    });
    // Embedding: n = N lookups into a table of C + 2 rows of width C... ids repeat on purpose.
    const rows = Math.max(2, Math.ceil(N / 2));
    const ids = ints(rng, N, rows);
    out.push({
      name: `embedding n=${N} C=${C} rows=${rows}`,
      bufs: { out: randn(rng, N * C), table: randn(rng, rows * C), ids },
      check: ['out'],
      tol: 'exact',
      run: (be, b) => be.embedding(b.out, b.table, b.ids, N, C),
    });
    out.push({
      name: `embeddingBackward n=${N} C=${C} rows=${rows} (repeated ids)`,
      bufs: { dtable: randn(rng, rows * C), dout: randn(rng, N * C), ids },
      check: ['dtable'],
      tol: 'reduce',
      run: (be, b) => be.embeddingBackward(b.dtable, b.dout, b.ids, N, C),
    });
    // Cross-entropy: N rows over a vocabulary of C, about a fifth of targets ignored.
    const V = C;
    const targets = ints(rng, N, V).map((t, i) => (i % 5 === 4 ? -100 : t));
    const logits = randn(rng, N * V, 3);
    out.push({
      name: `crossEntropy N=${N} V=${V} (ignoreIndex -100)`,
      bufs: { losses: randn(rng, N), logits, targets },
      check: ['losses'],
      tol: 'reduce',
      run: (be, b) => be.crossEntropy(b.losses, b.logits, b.targets, N, V, -100),
    });
    out.push({
      name: `crossEntropyBackward N=${N} V=${V} (ignoreIndex -100)`,
      bufs: { dlogits: randn(rng, N * V), logits, targets, dloss: randn(rng, N) },
      check: ['dlogits'],
      tol: 'reduce',
      run: (be, b) => be.crossEntropyBackward(b.dlogits, b.logits, b.targets, b.dloss, N, V, -100),
    });
    // The same with the forward's log-sum-exp saved and reused by the backward.
    out.push({
      name: `crossEntropy N=${N} V=${V} saving lse (ignoreIndex -100)`,
      bufs: { losses: randn(rng, N), lse: randn(rng, N), logits, targets },
      check: ['losses', 'lse'],
      tol: 'reduce',
      run: (be, b) => be.crossEntropy(b.losses, b.logits, b.targets, N, V, -100, b.lse),
    });
    out.push({
      name: `crossEntropyBackward N=${N} V=${V} given lse (ignoreIndex -100)`,
      bufs: {
        dlogits: randn(rng, N * V),
        logits,
        targets,
        dloss: randn(rng, N),
        lse: rowLogSumExp(logits, targets, N, V, -100),
      },
      check: ['dlogits'],
      tol: 'reduce',
      run: (be, b) => be.crossEntropyBackward(b.dlogits, b.logits, b.targets, b.dloss, N, V, -100, b.lse),
    });
    out.push({
      name: `swiglu N=${N} F=${C}`,
      bufs: { out: randn(rng, N * C), x: randn(rng, N * 2 * C, 2) },
      check: ['out'],
      tol: 'exact',
      run: (be, b) => be.swiglu(b.out, b.x, N, C),
    });
    out.push({
      name: `swigluBackward N=${N} F=${C}`,
      bufs: { dx: randn(rng, N * 2 * C), dout: randn(rng, N * C), x: randn(rng, N * 2 * C, 2) },
      check: ['dx'],
      tol: 'exact',
      run: (be, b) => be.swigluBackward(b.dx, b.dout, b.x, N, C),
    });
  }
  return out;
}

function pointwiseCases(rng: Rng, s: ShapeSet): OpCase[] {
  const out: OpCase[] = [];
  for (const n of s.pointwise) {
    const x = randn(rng, n, 3);
    out.push(
      {
        name: `gelu n=${n}`,
        bufs: { out: randn(rng, n), x },
        check: ['out'],
        tol: 'exact',
        run: (be, b) => be.gelu(b.out, b.x, n),
      },
      {
        name: `geluBackward n=${n}`,
        bufs: { dx: randn(rng, n), dout: randn(rng, n), x },
        check: ['dx'],
        tol: 'exact',
        run: (be, b) => be.geluBackward(b.dx, b.dout, b.x, n),
      },
      {
        name: `add n=${n}`,
        bufs: { out: randn(rng, n), a: x, b: randn(rng, n) },
        check: ['out'],
        tol: 'exact',
        run: (be, b) => be.add(b.out, b.a, b.b, n),
      },
      {
        name: `axpy n=${n}`,
        bufs: { y: randn(rng, n), x },
        check: ['y'],
        tol: 'exact',
        run: (be, b) => be.axpy(b.y, b.x, -0.37, n),
      },
      { name: `scale n=${n}`, bufs: { x }, check: ['x'], tol: 'exact', run: (be, b) => be.scale(b.x, 1.7, n) },
      {
        name: `copy n=${n}`,
        bufs: { dst: randn(rng, n), src: x },
        check: ['dst'],
        tol: 'exact',
        run: (be, b) => be.copy(b.dst, b.src, n),
      },
      { name: `fill n=${n}`, bufs: { x }, check: ['x'], tol: 'exact', run: (be, b) => be.fill(b.x, -2.5, n) },
      {
        name: `sumSquares n=${n}`,
        bufs: { out: new Float32Array([3]), out2: new Float32Array([3]), x },
        check: ['out', 'out2'],
        tol: 'reduce',
        run: (be, b) => {
          be.sumSquares(b.out, b.x, n, false);
          be.sumSquares(b.out2, b.x, n, true);
        },
      },
    );
    for (const [step, gradScale, wd] of [
      [1, 1, 0.1],
      [7, 0.3, 0],
    ] as const) {
      const v = randn(rng, n).map((a) => a * a * 0.01);
      out.push({
        name: `adamw n=${n} step=${step} gradScale=${gradScale} weightDecay=${wd}`,
        bufs: { param: randn(rng, n), grad: randn(rng, n), m: randn(rng, n, 0.1), v },
        check: ['param', 'm', 'v'],
        tol: 'reduce',
        run: (be, b) =>
          be.adamw({
            param: b.param,
            grad: b.grad,
            m: b.m,
            v: b.v,
            n,
            lr: 1e-2,
            beta1: 0.9,
            beta2: 0.95,
            eps: 1e-8,
            weightDecay: wd,
            step,
            gradScale,
          }),
      });
    }
  }
  return out;
}

function attentionCases(rng: Rng, s: ShapeSet): OpCase[] {
  const out: OpCase[] = [];
  for (const [B, T, H, Hkv, D] of s.attention) {
    const W = (H + 2 * Hkv) * D;
    const qkv = randn(rng, B * T * W);
    const segs = new Int32Array(B * T).map((_, i) => Math.floor((i % T) / Math.max(1, Math.ceil(T / 3))));
    const variants: Array<{ label: string; causal: boolean; segments: boolean; scale?: number }> = [
      { label: 'causal', causal: true, segments: false },
      { label: 'bidirectional scale=0.3', causal: false, segments: false, scale: 0.3 },
      { label: 'causal segments', causal: true, segments: true },
      { label: 'bidirectional segments', causal: false, segments: true },
    ];
    for (const v of variants) {
      const dims = { B, T, H, Hkv, D, causal: v.causal, scale: v.scale };
      const name = `B=${B} T=${T} H=${H} Hkv=${Hkv} D=${D} ${v.label}`;
      out.push({
        name: `attention ${name}`,
        bufs: { qkv, out: randn(rng, B * T * H * D), lse: randn(rng, B * H * T), segments: segs },
        check: ['out', 'lse'],
        tol: 'reduce',
        run: (be, b) =>
          be.attention({ ...dims, qkv: b.qkv, out: b.out, lse: b.lse, segments: v.segments ? b.segments : undefined }),
      });
      out.push({
        name: `attentionBackward ${name}`,
        bufs: {
          qkv,
          out: new Float32Array(B * T * H * D),
          lse: new Float32Array(B * H * T),
          segments: segs,
          dout: randn(rng, B * T * H * D),
          dqkv: randn(rng, B * T * W),
        },
        check: ['dqkv'],
        tol: 'reduce',
        // The forward runs first on the same backend: the backward consumes its own out/lse.
        run: (be, b) => {
          const a = { ...dims, qkv: b.qkv, out: b.out, lse: b.lse, segments: v.segments ? b.segments : undefined };
          be.attention(a);
          be.attentionBackward({ ...a, dout: b.dout, dqkv: b.dqkv });
        },
      });
    }
    if (D % 2 === 0) {
      const dims = { B, T, H, Hkv, D, theta: 10000, posOffset: 5 };
      out.push({
        name: `rope B=${B} T=${T} H=${H} Hkv=${Hkv} D=${D} posOffset=5`,
        bufs: { out: randn(rng, B * T * W), inp: qkv },
        check: ['out'],
        tol: 'reduce',
        run: (be, b) => be.rope({ ...dims, out: b.out, inp: b.inp }),
      });
      out.push({
        name: `ropeBackward B=${B} T=${T} H=${H} Hkv=${Hkv} D=${D} theta=500000`,
        bufs: { dinp: randn(rng, B * T * W), dout: qkv },
        check: ['dinp'],
        tol: 'reduce',
        run: (be, b) => be.ropeBackward({ ...dims, theta: 500000, dinp: b.dinp, dout: b.dout }),
      });
    }
  }
  return out;
}

/** Every op case for a shape set, with values from a fixed seed (the same cases every run). */
export function allCases(s: ShapeSet, seed = 1234): Array<{ group: string; cases: OpCase[] }> {
  const rng = createRng(seed);
  return [
    { group: 'matmul', cases: matmulCases(rng, s) },
    { group: 'rows (norms, embedding, cross-entropy, swiglu)', cases: rowCases(rng, s) },
    { group: 'pointwise and optimizer', cases: pointwiseCases(rng, s) },
    { group: 'attention and rope', cases: attentionCases(rng, s) },
    { group: 'inference (optional ops: KV-cache attention, quantized matmul)', cases: inferenceCases(rng, s) },
    { group: 'decode sizes (M = 1…17, KV-cache rows)', cases: decodeCases(rng) },
  ];
}

/** Each row's log-sum-exp (in f64), 0 on rows whose target is ignored: what crossEntropy saves for the backward. */
function rowLogSumExp(
  logits: Float32Array,
  targets: Int32Array,
  N: number,
  V: number,
  ignoreIndex: number,
): Float32Array {
  const lse = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    if (targets[n] === ignoreIndex) continue;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[n * V + v]);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[n * V + v] - max);
    lse[n] = max + Math.log(sum);
  }
  return lse;
}
