/**
 * The optimizer step: AdamW, elementwise, and the two-stage sum of squares
 * that gives the gradient norm clipping folds into its gradScale.
 */
import { GROUP_INDEX, type KernelSpec, MAIN_ARGS } from '../kernel.js';
import { f32, pointwise } from './pointwise.js';
import { WORKGROUP_REDUCE } from './reduce.js';

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

/** Stage 1: workgroup g sums x² over its chunk [g·chunk, (g+1)·chunk) into partial[g]. */
export const sumSquaresPartial: KernelSpec = {
  name: 'sumSquaresPartial',
  buffers: [
    { name: 'partial', type: 'f32' },
    { name: 'x', type: 'f32' },
  ],
  params: [
    { name: 'n', type: 'u32' },
    { name: 'chunk', type: 'u32' },
  ],
  body: `${WORKGROUP_REDUCE}
@compute @workgroup_size(RWG)
fn main(${MAIN_ARGS}) {
  ${GROUP_INDEX}
  let start = group * P.chunk;
  let end = min(P.n, start + P.chunk);
  var s = 0.0;
  for (var i = start + lid; i < end; i += RWG) { let v = $x[P.o_x + i]; s += v * v; }
  s = wg_sum(s, lid);
  if (lid == 0u) { $partial[P.o_partial + group] = s; }
}`,
};

/** Stage 2: one workgroup adds the partials into out[0] (or overwrites it). */
export const sumSquaresFinal: KernelSpec = {
  name: 'sumSquaresFinal',
  buffers: [
    { name: 'out', type: 'f32' },
    { name: 'partial', type: 'f32' },
  ],
  params: [
    { name: 'count', type: 'u32' },
    { name: 'accumulate', type: 'u32' },
  ],
  body: `${WORKGROUP_REDUCE}
@compute @workgroup_size(RWG)
fn main(${MAIN_ARGS}) {
  var s = 0.0;
  for (var i = lid; i < P.count; i += RWG) { s += $partial[P.o_partial + i]; }
  s = wg_sum(s, lid);
  if (lid == 0u) {
    if (P.accumulate != 0u) { s += $out[P.o_out]; }
    $out[P.o_out] = s;
  }
}`,
};
