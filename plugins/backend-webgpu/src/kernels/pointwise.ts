/**
 * Elementwise kernels: one invocation per element (or pair), 256 per
 * workgroup, over the 2-D grid of `grid()`. Each `$x[P.o_x + i]` reads a view.
 */
import { GROUP_INDEX, type KernelSpec, MAIN_ARGS, type ScalarType } from '../kernel.js';

/** A buffer or parameter binding of a kernel. */
export type Binding = { name: string; type: ScalarType };
export const f32 = (name: string): Binding => ({ name, type: 'f32' });
export const i32 = (name: string): Binding => ({ name, type: 'i32' });
export const u32 = (name: string): Binding => ({ name, type: 'u32' });

export const WG = 256;

/** A quiet NaN that is not a constant expression (WGSL rejects NaN constants). */
export const NAN_HELPER = 'var<private> NAN_BITS: u32 = 0x7fc00000u;';

/** A kernel over i in [0, P.n) with `stmt` as the body (`helpers`: WGSL declared before it). */
export function pointwise(name: string, buffers: Binding[], params: Binding[], stmt: string, helpers = ''): KernelSpec {
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
