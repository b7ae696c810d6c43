/** Rotary position embedding (forward and backward) on packed qkv, one invocation per rotated pair. */
import { type Binding, f32, pointwise, u32 } from './pointwise.js';

/**
 * Rotary embedding on packed qkv, one invocation per rotated pair
 * (element d and d + D/2 of one head). `trig` holds cos then sin for each
 * (position, d < D/2), computed on the host in f64.
 */
const ROPE_INDEX = `let half = P.D / 2u;
  let heads = P.H + 2u * P.Hkv;
  let d = i % half;
  let head = (i / half) % heads;
  let bt = i / (half * heads);
  let t = bt % P.T;
  let base = bt * heads * P.D + head * P.D + d;
  let ti = ((P.posOffset + t) * half + d) * 2u;
  let c = $trig[P.o_trig + ti];
  let s = $trig[P.o_trig + ti + 1u];
  let rotated = head < P.H + P.Hkv;`;

const ROPE_PARAMS: Binding[] = [u32('T'), u32('H'), u32('Hkv'), u32('D'), u32('posOffset')];

export const rope = pointwise(
  'rope',
  [f32('out'), f32('inp'), f32('trig')],
  ROPE_PARAMS,
  `${ROPE_INDEX}
  let x1 = $inp[P.o_inp + base];
  let x2 = $inp[P.o_inp + base + half];
  if (rotated) {
    $out[P.o_out + base] = x1 * c - x2 * s;
    $out[P.o_out + base + half] = x2 * c + x1 * s;
  } else {
    $out[P.o_out + base] = x1;
    $out[P.o_out + base + half] = x2;
  }`,
);

export const ropeBackward = pointwise(
  'ropeBackward',
  [f32('dinp'), f32('dout'), f32('trig')],
  ROPE_PARAMS,
  `${ROPE_INDEX}
  let d1 = $dout[P.o_dout + base];
  let d2 = $dout[P.o_dout + base + half];
  var g1 = d1; var g2 = d2;
  if (rotated) { g1 = d1 * c + d2 * s; g2 = d2 * c - d1 * s; }
  $dinp[P.o_dinp + base] = $dinp[P.o_dinp + base] + g1;
  $dinp[P.o_dinp + base + half] = $dinp[P.o_dinp + base + half] + g2;`,
);
