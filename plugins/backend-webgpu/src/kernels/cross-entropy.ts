/**
 * Fused softmax + cross-entropy (forward and backward) with one workgroup per row.
 * Row-dependent values (the target) never guard a barrier: every invocation
 * takes part in every reduction, and only the final writes are conditional.
 */
import { GROUP_INDEX, type KernelSpec, MAIN_ARGS } from '../kernel.js';
import { NAN_HELPER } from './pointwise.js';
import { WORKGROUP_REDUCE } from './reduce.js';

const ROW_START = `
  let row = group;
  if (row >= P.N) { return; }
  let lo = P.o_logits + row * P.V;
  let tgt = $targets[P.o_targets + row];`;

// The row's max and Σ exp(x - max), reduced over the workgroup.
const ROW_STATS = `
  var mx = -3.4e38;
  for (var v = lid; v < P.V; v += RWG) { mx = max(mx, $logits[lo + v]); }
  mx = wg_max(mx, lid);
  var s = 0.0;
  for (var v = lid; v < P.V; v += RWG) { s += exp($logits[lo + v] - mx); }
  s = wg_sum(s, lid);`;

export const crossEntropy: KernelSpec = {
  name: 'crossEntropy',
  buffers: [
    { name: 'losses', type: 'f32' },
    { name: 'logits', type: 'f32' },
    { name: 'targets', type: 'i32' },
    { name: 'lse', type: 'f32' },
  ],
  params: [
    { name: 'N', type: 'u32' },
    { name: 'V', type: 'u32' },
    { name: 'ignore', type: 'i32' },
    { name: 'hasLse', type: 'u32' },
  ],
  body: `${WORKGROUP_REDUCE}
${NAN_HELPER}
@compute @workgroup_size(RWG)
fn main(${MAIN_ARGS}) {
  ${GROUP_INDEX}
  ${ROW_START}
  ${ROW_STATS}
  if (lid == 0u) {
    var loss = 0.0;
    var l = 0.0;
    if (tgt != P.ignore) {
      l = mx + log(s);
      if (tgt < 0 || u32(tgt) >= P.V) { loss = bitcast<f32>(NAN_BITS); }
      else { loss = l - $logits[lo + u32(tgt)]; }
    }
    $losses[P.o_losses + row] = loss;
    if (P.hasLse != 0u) { $lse[P.o_lse + row] = l; }
  }
}`,
};

/** dlogits[n,:] += (softmax - onehot(tgt)) · dloss[n]; softmax from the forward's lse when given (one pass). */
export const crossEntropyBackward: KernelSpec = {
  name: 'crossEntropyBackward',
  buffers: [
    { name: 'dlogits', type: 'f32' },
    { name: 'logits', type: 'f32' },
    { name: 'targets', type: 'i32' },
    { name: 'dloss', type: 'f32' },
    { name: 'lse', type: 'f32' },
  ],
  params: crossEntropy.params,
  body: `${WORKGROUP_REDUCE}
@compute @workgroup_size(RWG)
fn main(${MAIN_ARGS}) {
  ${GROUP_INDEX}
  ${ROW_START}
  var shift = 0.0;
  var inv = 1.0;
  // hasLse is a uniform parameter, so the reductions inside stay in uniform control flow.
  if (P.hasLse != 0u) {
    shift = $lse[P.o_lse + row];
  } else {
    ${ROW_STATS}
    shift = mx;
    inv = 1.0 / s;
  }
  if (tgt == P.ignore) { return; }
  let d = $dloss[P.o_dloss + row];
  let go = P.o_dlogits + row * P.V;
  for (var v = lid; v < P.V; v += RWG) {
    var g = exp($logits[lo + v] - shift) * inv;
    if (i32(v) == tgt) { g -= 1.0; }
    $dlogits[go + v] = $dlogits[go + v] + g * d;
  }
}`,
};
