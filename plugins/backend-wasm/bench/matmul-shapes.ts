/** The matmul shapes both CPU backends' benchmarks time: GPT-2 small-shape and 124M training products, in three storage orders. */
export const MATMUL_SHAPES: ReadonlyArray<{ name: string; M: number; N: number; K: number }> = [
  { name: 'small qkv', M: 1024, N: 768, K: 256 },
  { name: 'small mlp up', M: 1024, N: 1024, K: 256 },
  { name: 'small mlp down', M: 1024, N: 256, K: 1024 },
  { name: 'small lm head', M: 1024, N: 8192, K: 256 },
  { name: '124M qkv', M: 256, N: 2304, K: 768 },
  { name: '124M mlp up', M: 256, N: 3072, K: 768 },
  { name: '124M mlp down', M: 256, N: 768, K: 3072 },
  { name: '124M lm head', M: 256, N: 50257, K: 768 },
];

export const MATMUL_VARIANTS = ['NN', 'TN', 'NT'] as const;

/** GFLOP/s (best of several runs) of each storage order of one shape on one backend. */
export function timeMatmulShape(be: import('@kiln/tensor').Backend, s: { M: number; N: number; K: number }): number[] {
  const a = be.alloc('f32', s.M * s.K),
    b = be.alloc('f32', s.K * s.N),
    c = be.alloc('f32', s.M * s.N);
  be.write(
    a,
    Float32Array.from({ length: s.M * s.K }, (_, i) => Math.sin(i)),
  );
  be.write(
    b,
    Float32Array.from({ length: s.K * s.N }, (_, i) => Math.cos(i)),
  );
  const out: number[] = [];
  for (const v of MATMUL_VARIANTS) {
    const args = { out: c, a, b, M: s.M, N: s.N, K: s.K, transA: v === 'TN', transB: v === 'NT' };
    be.matmul(args);
    let best = Infinity;
    const start = performance.now();
    for (let r = 0; r < 3 || (r < 10 && performance.now() - start < 600); r++) {
      const t = performance.now();
      be.matmul(args);
      best = Math.min(best, performance.now() - t);
    }
    out.push((2 * s.M * s.N * s.K) / best / 1e6);
  }
  for (const x of [a, b, c]) be.free(x);
  return out;
}
