/**
 * Optional forward-only ops for compressed models: matmul and embedding lookup
 * on group-quantized int8 or packed int4 weights (dequantized inside the
 * kernel; the i8 buffer is read as packed u32 words).
 */
import { f32, NAN_HELPER, pointwise, u32 } from './pointwise.js';

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
