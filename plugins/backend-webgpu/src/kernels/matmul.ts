/**
 * Tiled matmul: out[M,N] = op(a)[M,K] · op(b)[K,N] (+ bias) (+ out).
 *
 * A 16×16 workgroup computes a (16·TM)×(16·TN) tile of out; each invocation
 * keeps a TM×TN block of accumulators in registers (rows ty + 16i, columns
 * tx + 16j, so neighbouring invocations write neighbouring columns). K is
 * walked in steps of BK through workgroup memory, loaded so that
 * consecutive invocations read consecutive addresses for either layout.
 */
import type { KernelSpec } from '../kernel.js';

export interface MatmulTile {
  TM: number;
  TN: number;
  BK: number;
}

/** 64×64 tiles for small or skinny products, 128×128 for large ones. */
export const SMALL_TILE: MatmulTile = { TM: 4, TN: 4, BK: 16 };
export const LARGE_TILE: MatmulTile = { TM: 8, TN: 8, BK: 8 };

const cache = new Map<string, KernelSpec>();

export function matmulKernel(t: MatmulTile): KernelSpec {
  const key = `${t.TM}x${t.TN}x${t.BK}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const BM = 16 * t.TM;
  const BN = 16 * t.TN;
  const spec: KernelSpec = {
    name: `matmul_${key}`,
    buffers: [
      { name: 'out', type: 'f32' },
      { name: 'a', type: 'f32' },
      { name: 'b', type: 'f32' },
      { name: 'bias', type: 'f32' },
    ],
    params: ['M', 'N', 'K', 'transA', 'transB', 'hasBias', 'accumulate', 'tilesN'].map((name) => ({ name, type: 'u32' as const })),
    body: `
const TM = ${t.TM}u; const TN = ${t.TN}u; const BK = ${t.BK}u; const BM = ${BM}u; const BN = ${BN}u;
var<workgroup> As: array<f32, ${t.BK * BM}>; // [BK][BM]
var<workgroup> Bs: array<f32, ${t.BK * BN}>; // [BK][BN]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lidv: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tileN = wid.x % P.tilesN;
  let tileM = wid.x / P.tilesN + wid.y * (65535u / P.tilesN);
  let m0 = tileM * BM;
  let n0 = tileN * BN;
  if (m0 >= P.M) { return; }
  let tx = lidv.x; let ty = lidv.y;
  var acc: array<f32, ${t.TM * t.TN}>;
  for (var k0 = 0u; k0 < P.K; k0 += BK) {
    for (var r = 0u; r < ${(BM * t.BK) / 256}u; r++) {
      let e = lid + r * 256u;
      var m: u32; var k: u32;
      if (P.transA == 0u) { k = e % BK; m = e / BK; } else { m = e % BM; k = e / BM; }
      let gm = m0 + m; let gk = k0 + k;
      var v = 0.0;
      if (gm < P.M && gk < P.K) {
        if (P.transA == 0u) { v = $a[P.o_a + gm * P.K + gk]; } else { v = $a[P.o_a + gk * P.M + gm]; }
      }
      As[k * BM + m] = v;
    }
    for (var r = 0u; r < ${(BN * t.BK) / 256}u; r++) {
      let e = lid + r * 256u;
      var n: u32; var k: u32;
      if (P.transB == 0u) { n = e % BN; k = e / BN; } else { k = e % BK; n = e / BK; }
      let gn = n0 + n; let gk = k0 + k;
      var v = 0.0;
      if (gn < P.N && gk < P.K) {
        if (P.transB == 0u) { v = $b[P.o_b + gk * P.N + gn]; } else { v = $b[P.o_b + gn * P.K + gk]; }
      }
      Bs[k * BN + n] = v;
    }
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      var ar: array<f32, ${t.TM}>;
      var br: array<f32, ${t.TN}>;
      for (var i = 0u; i < TM; i++) { ar[i] = As[k * BM + ty + 16u * i]; }
      for (var j = 0u; j < TN; j++) { br[j] = Bs[k * BN + tx + 16u * j]; }
      for (var i = 0u; i < TM; i++) {
        for (var j = 0u; j < TN; j++) { acc[i * TN + j] = fma(ar[i], br[j], acc[i * TN + j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < TM; i++) {
    let gm = m0 + ty + 16u * i;
    if (gm >= P.M) { continue; }
    for (var j = 0u; j < TN; j++) {
      let gn = n0 + tx + 16u * j;
      if (gn >= P.N) { continue; }
      var v = acc[i * TN + j];
      if (P.hasBias != 0u) { v += $bias[P.o_bias + gn]; }
      let o = P.o_out + gm * P.N + gn;
      if (P.accumulate != 0u) { v += $out[o]; }
      $out[o] = v;
    }
  }
}`,
  };
  cache.set(key, spec);
  return spec;
}

/** Workgroup grid for a tile: x = tiles along N times a band of M tiles, y = the remaining bands. */
export function matmulGrid(t: MatmulTile, M: number, N: number): { groups: [number, number]; tilesN: number } {
  const tilesN = Math.ceil(N / (16 * t.TN));
  const tilesM = Math.ceil(M / (16 * t.TM));
  if (tilesN > 65535) throw new Error(`matmul: N=${N} is too wide for one dispatch`);
  const bandM = Math.floor(65535 / tilesN); // M tiles per grid row
  return { groups: [tilesN * Math.min(tilesM, bandM), Math.ceil(tilesM / bandM)], tilesN };
}
