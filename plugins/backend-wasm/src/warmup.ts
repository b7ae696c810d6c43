/**
 * Warm-up: V8 first runs a wasm function in its baseline tier (~4× slower)
 * and cannot switch a call already running, so a long first matmul would run
 * slow to its end. Every kernel runs here a few times on small shapes, on
 * every thread, so the optimized code is in place before real work starts.
 */
import type { Backend } from '@kiln/tensor';

export function warmUp(backend: Backend & { forceThreads: boolean }, rounds = 3): void {
  const prev = backend.forceThreads;
  backend.forceThreads = true;
  const B = 2,
    T = 16,
    H = 2,
    Hkv = 1,
    D = 8,
    C = 16,
    V = 32,
    N = B * T;
  const width = (H + 2 * Hkv) * D;
  const f = (n: number) => {
    const buf = backend.alloc('f32', n);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = Math.sin(i * 0.37) * 0.5;
    backend.write(buf, data);
    return buf;
  };
  const ids = backend.alloc('i32', N);
  backend.write(
    ids,
    Int32Array.from({ length: N }, (_, i) => (i * 7) % V),
  );
  const bufs = {
    a: f(64 * 64),
    b: f(64 * 64),
    c: f(64 * 64),
    bias: f(64),
    x: f(N * C),
    y: f(N * C),
    w: f(C),
    bb: f(C),
    mean: f(N),
    rstd: f(N),
    sw: f(N * 2 * C),
    qkv: f(N * width),
    dqkv: f(N * width),
    out: f(N * H * D),
    lse: f(B * H * T),
    logits: f(N * V),
    losses: f(N),
    dloss: f(N),
    table: f(V * C),
    m: f(N * C),
    v: f(N * C),
    s: f(1),
  };
  const u = bufs;
  for (let r = 0; r < rounds; r++) {
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
    ]) {
      backend.matmul({ out: u.c, a: u.a, b: u.b, bias: u.bias, M: 64, N: 64, K: 64, transA, transB });
      backend.matmul({ out: u.c, a: u.a, b: u.b, M: 61, N: 63, K: 37, transA, transB, accumulate: true });
    }
    backend.biasBackward(u.bias, u.c, 64, 64);
    backend.embedding(u.x, u.table, ids, N, C);
    backend.embeddingBackward(u.table, u.x, ids, N, C);
    backend.layernorm(u.y, u.mean, u.rstd, u.x, u.w, u.bb, N, C, 1e-5);
    backend.layernormBackward(u.x, u.w, u.bb, u.y, u.x, u.w, u.mean, u.rstd, N, C);
    backend.rmsnorm(u.y, u.rstd, u.x, u.w, N, C, 1e-5);
    backend.rmsnormBackward(u.x, u.w, u.y, u.x, u.w, u.rstd, N, C);
    backend.attention({ qkv: u.qkv, out: u.out, lse: u.lse, B, T, H, Hkv, D, causal: true });
    backend.attentionBackward({
      qkv: u.qkv,
      out: u.out,
      lse: u.lse,
      dout: u.out,
      dqkv: u.dqkv,
      B,
      T,
      H,
      Hkv,
      D,
      causal: true,
    });
    backend.rope({ out: u.dqkv, inp: u.qkv, B, T, H, Hkv, D, theta: 10000 });
    backend.ropeBackward({ dinp: u.dqkv, dout: u.qkv, B, T, H, Hkv, D, theta: 10000 });
    backend.gelu(u.y, u.x, N * C);
    backend.geluBackward(u.y, u.x, u.x, N * C);
    backend.swiglu(u.y, u.sw, N, C);
    backend.swigluBackward(u.sw, u.y, u.sw, N, C);
    backend.add(u.y, u.x, u.x, N * C);
    backend.axpy(u.y, u.x, 0.5, N * C);
    backend.scale(u.y, 0.5, N * C);
    backend.crossEntropy(u.losses, u.logits, ids, N, V, -100);
    backend.crossEntropyBackward(u.logits, u.logits, ids, u.dloss, N, V, -100);
    backend.sumSquares(u.s, u.x, N * C, false);
    backend.adamw({
      param: u.x,
      grad: u.y,
      m: u.m,
      v: u.v,
      n: N * C,
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.1,
      step: 1,
    });
  }
  for (const buf of [...Object.values(bufs), ids]) backend.free(buf);
  backend.forceThreads = prev;
}
