/**
 * Optional forward-only ops for generation: attention over a KV cache, and
 * matmul / embedding lookup on group-quantized int8 or packed int4 weights
 * (dequantized inside the kernel; the i8 buffer is read as packed u32 words).
 */
import { GROUP_INDEX, type KernelSpec, MAIN_ARGS } from '../kernel.js';
import { NAN_HELPER, WG } from './pointwise.js';

const f32 = (name: string) => ({ name, type: 'f32' as const });
const u32 = (name: string) => ({ name, type: 'u32' as const });

/** w[n,k] = q[n,k] · scales[n, k / group]; 8 bits: signed bytes; 4 bits: two nibbles per byte, q + 8. */
const DEQUANT = `
fn qbyte(i: u32) -> u32 { return ($data[i / 4u] >> ((i % 4u) * 8u)) & 0xffu; }
fn deq(n: u32, k: u32) -> f32 {
  let s = $scales[P.o_scales + n * (P.K / P.group) + k / P.group];
  if (P.bits == 8u) {
    return f32(bitcast<i32>(qbyte(P.o_data + n * P.K + k) << 24u) >> 24u) * s;
  }
  let b = qbyte(P.o_data + (n * P.K) / 2u + k / 2u);
  var nib = b & 15u;
  if (k % 2u == 1u) { nib = b >> 4u; }
  return (f32(nib) - 8.0) * s;
}`;

function pointwise(
  name: string,
  buffers: KernelSpec['buffers'],
  params: KernelSpec['params'],
  stmt: string,
  helpers: string,
): KernelSpec {
  return {
    name,
    buffers,
    params: [...params, u32('n')],
    body: `${helpers}
@compute @workgroup_size(${WG})
fn main(${MAIN_ARGS}) {
  ${GROUP_INDEX}
  let i = group * ${WG}u + lid;
  if (i >= P.n) { return; }
  ${stmt}
}`,
  };
}

/** out[m,n] (+)= Σ_k a[m,k]·w[n,k] (+ bias[n]); one invocation per output (generation has few rows). */
export const matmulQ = pointwise(
  'matmulQ',
  [f32('out'), f32('a'), u32('data'), f32('scales'), f32('bias')],
  ['M', 'N', 'K', 'bits', 'group', 'hasBias', 'accumulate'].map(u32),
  `let m = i / P.N; let nn = i % P.N;
  var s = 0.0;
  for (var k = 0u; k < P.K; k++) { s = fma($a[P.o_a + m * P.K + k], deq(nn, k), s); }
  if (P.hasBias != 0u) { s += $bias[P.o_bias + nn]; }
  let o = P.o_out + i;
  if (P.accumulate != 0u) { s += $out[o]; }
  $out[o] = s;`,
  DEQUANT,
);

/** out[r,c] = w[ids[r], c] with K = C; an id outside [0, rows) gives NaN. */
export const embeddingQ = pointwise(
  'embeddingQ',
  [f32('out'), u32('data'), f32('scales'), { name: 'ids', type: 'i32' }],
  ['K', 'bits', 'group', 'rows'].map(u32),
  `let r = i / P.K; let c = i % P.K;
  let id = $ids[P.o_ids + r];
  if (id < 0 || u32(id) >= P.rows) { $out[P.o_out + i] = bitcast<f32>(NAN_BITS); return; }
  $out[P.o_out + i] = deq(u32(id), c);`,
  `${NAN_HELPER}\n${DEQUANT}`,
);

/** Copies the new tokens' keys and values into cache rows pos..pos+Tq-1; i runs over B·Tq·Hkv·D. */
export const kvCacheWrite = pointwise(
  'kvCacheWrite',
  [f32('k'), f32('v'), f32('qkv')],
  ['Tq', 'Tmax', 'pos', 'H', 'Hkv', 'D'].map(u32),
  `let C = P.Hkv * P.D;
  let c = i % C; let t = (i / C) % P.Tq; let b = i / (C * P.Tq);
  let src = P.o_qkv + (b * P.Tq + t) * (P.H + 2u * P.Hkv) * P.D;
  let dst = (b * P.Tmax + P.pos + t) * C + c;
  $k[P.o_k + dst] = $qkv[src + P.H * P.D + c];
  $v[P.o_v + dst] = $qkv[src + (P.H + P.Hkv) * P.D + c];`,
  '',
);

const kvCache = new Map<number, KernelSpec>();

/** One invocation per (b, h, new token t): online softmax over cache rows 0..pos+t. */
export function attentionKVKernel(D: number): KernelSpec {
  let spec = kvCache.get(D);
  if (spec) return spec;
  spec = pointwise(
    `attentionKV_D${D}`,
    [f32('out'), f32('k'), f32('v'), f32('qkv')],
    [...['Tq', 'Tmax', 'pos', 'H', 'Hkv'].map(u32), { name: 'scale', type: 'f32' as const }],
    `let t = i % P.Tq; let h = (i / P.Tq) % P.H; let b = i / (P.Tq * P.H);
  let C = P.Hkv * D;
  let g = h / (P.H / P.Hkv);
  let qo = P.o_qkv + (b * P.Tq + t) * (P.H + 2u * P.Hkv) * D + h * D;
  var q: array<f32, ${D}>;
  var acc: array<f32, ${D}>;
  for (var d = 0u; d < D; d++) { q[d] = $qkv[qo + d] * P.scale; }
  var m = -3.0e38;
  var l = 0.0;
  for (var j = 0u; j <= P.pos + t; j++) {
    let ko = (b * P.Tmax + j) * C + g * D;
    var s = 0.0;
    for (var d = 0u; d < D; d++) { s = fma(q[d], $k[P.o_k + ko + d], s); }
    if (s > m) {
      let corr = exp(m - s);
      l *= corr;
      for (var d = 0u; d < D; d++) { acc[d] *= corr; }
      m = s;
    }
    let p = exp(s - m);
    l += p;
    for (var d = 0u; d < D; d++) { acc[d] = fma(p, $v[P.o_v + ko + d], acc[d]); }
  }
  let oo = P.o_out + (b * P.Tq + t) * P.H * D + h * D;
  for (var d = 0u; d < D; d++) { $out[oo + d] = acc[d] / l; }`,
    `const D = ${D}u;`,
  );
  kvCache.set(D, spec);
  return spec;
}
