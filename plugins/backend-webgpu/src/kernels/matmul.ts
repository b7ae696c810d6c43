/**
 * Tiled matmul: out[M,N] = op(a)[M,K] · op(b)[K,N] (+ bias) (+ out).
 *
 * A WG×WG workgroup (16×16 on GPUs) computes a (WG·TM)×(WG·TN) tile of out;
 * each invocation keeps a TM×TN block of accumulators in registers (rows
 * ty + WG·i, columns tx + WG·j, so neighbouring invocations write
 * neighbouring columns). K is
 * walked in steps of BK through workgroup memory, loaded so that
 * consecutive invocations read consecutive addresses for either layout.
 */
import type { KernelSpec } from '../kernel.js';

export interface MatmulTile {
  /** Invocations per side of the (square) workgroup. */
  WG: number;
  TM: number;
  TN: number;
  BK: number;
}

/** 64×64 tiles for small or skinny products, 128×128 for large ones. */
export const SMALL_TILE: MatmulTile = { WG: 16, TM: 4, TN: 4, BK: 16 };
export const LARGE_TILE: MatmulTile = { WG: 16, TM: 8, TN: 8, BK: 8 };
/** Software adapters: 16 invocations per workgroup (barriers there switch between emulated invocations). */
export const SOFTWARE_TILE: MatmulTile = { WG: 4, TM: 4, TN: 4, BK: 16 };

const cache = new Map<string, KernelSpec>();

export function matmulKernel(t: MatmulTile): KernelSpec {
  const key = `${t.WG}_${t.TM}x${t.TN}x${t.BK}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const BM = t.WG * t.TM;
  const BN = t.WG * t.TN;
  const threads = t.WG * t.WG;
  const spec: KernelSpec = {
    name: `matmul_${key}`,
    buffers: [
      { name: 'out', type: 'f32' },
      { name: 'a', type: 'f32' },
      { name: 'b', type: 'f32' },
      { name: 'bias', type: 'f32' },
    ],
    params: ['M', 'N', 'K', 'transA', 'transB', 'hasBias', 'accumulate', 'tilesN'].map((name) => ({
      name,
      type: 'u32' as const,
    })),
    body: `
const TM = ${t.TM}u; const TN = ${t.TN}u; const BK = ${t.BK}u; const BM = ${BM}u; const BN = ${BN}u;
var<workgroup> As: array<f32, ${t.BK * BM}>; // [BK][BM]
var<workgroup> Bs: array<f32, ${t.BK * BN}>; // [BK][BN]

@compute @workgroup_size(${t.WG}, ${t.WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lidv: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tileN = wid.x % P.tilesN;
  let tileM = wid.x / P.tilesN + wid.y * (65535u / P.tilesN);
  let m0 = tileM * BM;
  let n0 = tileN * BN;
  if (m0 >= P.M) { return; }
  let tx = lidv.x; let ty = lidv.y;
  var acc: array<f32, ${t.TM * t.TN}>;
  for (var k0 = 0u; k0 < P.K; k0 += BK) {
    for (var r = 0u; r < ${(BM * t.BK) / threads}u; r++) {
      let e = lid + r * ${threads}u;
      var m: u32; var k: u32;
      if (P.transA == 0u) { k = e % BK; m = e / BK; } else { m = e % BM; k = e / BM; }
      let gm = m0 + m; let gk = k0 + k;
      var v = 0.0;
      if (gm < P.M && gk < P.K) {
        if (P.transA == 0u) { v = $a[P.o_a + gm * P.K + gk]; } else { v = $a[P.o_a + gk * P.M + gm]; }
      }
      As[k * BM + m] = v;
    }
    for (var r = 0u; r < ${(BN * t.BK) / threads}u; r++) {
      let e = lid + r * ${threads}u;
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
      for (var i = 0u; i < TM; i++) { ar[i] = As[k * BM + ty + ${t.WG}u * i]; }
      for (var j = 0u; j < TN; j++) { br[j] = Bs[k * BN + tx + ${t.WG}u * j]; }
      for (var i = 0u; i < TM; i++) {
        for (var j = 0u; j < TN; j++) { acc[i * TN + j] = fma(ar[i], br[j], acc[i * TN + j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < TM; i++) {
    let gm = m0 + ty + ${t.WG}u * i;
    if (gm >= P.M) { continue; }
    for (var j = 0u; j < TN; j++) {
      let gn = n0 + tx + ${t.WG}u * j;
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
  const tilesN = Math.ceil(N / (t.WG * t.TN));
  const tilesM = Math.ceil(M / (t.WG * t.TM));
  if (tilesN > 65535) throw new Error(`matmul: N=${N} is too wide for one dispatch`);
  const bandM = Math.floor(65535 / tilesN); // M tiles per grid row
  return { groups: [tilesN * Math.min(tilesM, bandM), Math.ceil(tilesM / bandM)], tilesN };
}
