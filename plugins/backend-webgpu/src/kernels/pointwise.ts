/**
 * Elementwise kernels: one invocation per element (or pair), 256 per
 * workgroup, over the 2-D grid of `grid()`. Each `$x[P.o_x + i]` reads a view.
 */
import { GROUP_INDEX, type KernelSpec, MAIN_ARGS, type ScalarType } from '../kernel.js';

type B = { name: string; type: ScalarType };
const f32 = (name: string): B => ({ name, type: 'f32' });
const i32 = (name: string): B => ({ name, type: 'i32' });
const u32 = (name: string): B => ({ name, type: 'u32' });

export const WG = 256;

/** A quiet NaN that is not a constant expression (WGSL rejects NaN constants). */
export const NAN_HELPER = 'var<private> NAN_BITS: u32 = 0x7fc00000u;';

/** A kernel over i in [0, P.n) with `stmt` as the body. */
function pointwise(name: string, buffers: B[], params: B[], stmt: string, helpers = ''): KernelSpec {
  return {
    name,
    buffers,
    params: [...params, { name: 'n', type: 'u32' }],
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

/** f32/i32 fill with a 32-bit pattern. */
export const fill32 = pointwise('fill32', [u32('x')], [u32('value')], '$x[P.o_x + i] = P.value;');
export const copy32 = pointwise('copy32', [u32('dst'), u32('src')], [], '$dst[P.o_dst + i] = $src[P.o_src + i];');

/**
 * i8 buffers are packed four to a u32 word. These run over the words that the
 * byte range [o, o+n) touches and merge bytes at the edges.
 * Here P.n counts words, P.count bytes; P.w0 is the first word.
 */
export const fill8 = pointwise(
  'fill8',
  [u32('x')],
  [u32('value'), u32('w0'), u32('count')],
  `let w = P.w0 + i;
  var word = $x[w];
  for (var j = 0u; j < 4u; j++) {
    let e = w * 4u + j;
    if (e >= P.o_x && e < P.o_x + P.count) {
      word = (word & ~(0xffu << (j * 8u))) | ((P.value & 0xffu) << (j * 8u));
    }
  }
  $x[w] = word;`,
);

export const copy8 = pointwise(
  'copy8',
  [u32('dst'), u32('src')],
  [u32('w0'), u32('count')],
  `let w = P.w0 + i;
  var word = $dst[w];
  for (var j = 0u; j < 4u; j++) {
    let e = w * 4u + j;
    if (e >= P.o_dst && e < P.o_dst + P.count) {
      let s = P.o_src + (e - P.o_dst);
      let byte = ($src[s / 4u] >> ((s % 4u) * 8u)) & 0xffu;
      word = (word & ~(0xffu << (j * 8u))) | (byte << (j * 8u));
    }
  }
  $dst[w] = word;`,
);

export const add = pointwise(
  'add',
  [f32('out'), f32('a'), f32('b')],
  [],
  '$out[P.o_out + i] = $a[P.o_a + i] + $b[P.o_b + i];',
);
export const axpy = pointwise(
  'axpy',
  [f32('y'), f32('x')],
  [f32('alpha')],
  '$y[P.o_y + i] = $y[P.o_y + i] + P.alpha * $x[P.o_x + i];',
);
export const scale = pointwise('scale', [f32('x')], [f32('alpha')], '$x[P.o_x + i] = $x[P.o_x + i] * P.alpha;');

// 0.5·(1 + tanh(u)) = sigmoid(2u): the sigmoid form keeps precision where
// tanh(u) ≈ -1 (large negative x), and exp overflow just gives 0.
const GELU_HELPERS = `
const GELU_S: f32 = 0.7978845608028654; // sqrt(2/pi)
fn gelu_gate(x: f32) -> f32 { return 1.0 / (1.0 + exp(-2.0 * GELU_S * (x + 0.044715 * x * x * x))); }`;

/** GPT-2's tanh-approximate GELU. */
export const gelu = pointwise(
  'gelu',
  [f32('out'), f32('x')],
  [],
  `let x = $x[P.o_x + i];
  $out[P.o_out + i] = x * gelu_gate(x);`,
  GELU_HELPERS,
);

/** d/dx [x·s(2u)] = s + 2x·s(1-s)·u' */
export const geluBackward = pointwise(
  'geluBackward',
  [f32('dx'), f32('dout'), f32('x')],
  [],
  `let x = $x[P.o_x + i];
  let s = gelu_gate(x);
  let local = s + 2.0 * x * s * (1.0 - s) * GELU_S * (1.0 + 3.0 * 0.044715 * x * x);
  $dx[P.o_dx + i] = $dx[P.o_dx + i] + local * $dout[P.o_dout + i];`,
  GELU_HELPERS,
);

/** x is [N, 2F] = [gate | up]; i runs over N*F. */
export const swiglu = pointwise(
  'swiglu',
  [f32('out'), f32('x')],
  [u32('F')],
  `let row = i / P.F; let f = i % P.F;
  let g = $x[P.o_x + row * 2u * P.F + f];
  let u = $x[P.o_x + row * 2u * P.F + P.F + f];
  $out[P.o_out + i] = g / (1.0 + exp(-g)) * u;`,
);

export const swigluBackward = pointwise(
  'swigluBackward',
  [f32('dx'), f32('dout'), f32('x')],
  [u32('F')],
  `let row = i / P.F; let f = i % P.F;
  let gi = row * 2u * P.F + f;
  let g = $x[P.o_x + gi];
  let u = $x[P.o_x + gi + P.F];
  let s = 1.0 / (1.0 + exp(-g));
  let d = $dout[P.o_dout + i];
  $dx[P.o_dx + gi] = $dx[P.o_dx + gi] + d * u * s * (1.0 + g * (1.0 - s));
  $dx[P.o_dx + gi + P.F] = $dx[P.o_dx + gi + P.F] + d * g * s;`,
);

/** PyTorch's AdamW; bc1 = 1 - beta1^t and bc2 = 1 - beta2^t come from the host (f64). */
export const adamw = pointwise(
  'adamw',
  [f32('param'), f32('grad'), f32('m'), f32('v')],
  [f32('lr'), f32('beta1'), f32('beta2'), f32('eps'), f32('wd'), f32('bc1'), f32('sqrtBc2'), f32('gradScale')],
  `let g = $grad[P.o_grad + i] * P.gradScale;
  let m = P.beta1 * $m[P.o_m + i] + (1.0 - P.beta1) * g;
  let v = P.beta2 * $v[P.o_v + i] + (1.0 - P.beta2) * g * g;
  $m[P.o_m + i] = m;
  $v[P.o_v + i] = v;
  var p = $param[P.o_param + i];
  p = p * (1.0 - P.lr * P.wd);
  let denom = sqrt(v) / P.sqrtBc2 + P.eps;
  $param[P.o_param + i] = p - (P.lr / P.bc1) * (m / denom);`,
);

/** out[n,C] = table[ids[n], :]; an id outside [0, V) gives NaN (there is no way to throw from a shader). */
export const embedding = pointwise(
  'embedding',
  [f32('out'), f32('table'), i32('ids')],
  [u32('C'), u32('V')],
  `let row = i / P.C; let c = i % P.C;
  let id = $ids[P.o_ids + row];
  if (id < 0 || u32(id) >= P.V) { $out[P.o_out + i] = bitcast<f32>(NAN_BITS); return; }
  $out[P.o_out + i] = $table[P.o_table + u32(id) * P.C + c];`,
  NAN_HELPER,
);

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

const ROPE_PARAMS: B[] = [u32('T'), u32('H'), u32('Hkv'), u32('D'), u32('posOffset')];

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
