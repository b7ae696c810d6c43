/**
 * Embedding backward without atomics and without sorting, deterministic:
 *
 * 1. `embeddingLinks`: one invocation per token i finds next[i], the next
 *    token with the same id (or -1), and whether i is the first occurrence
 *    (O(n²) id comparisons, cheap next to the rest of a step).
 * 2. `embeddingBackward`: one invocation per (first occurrence, channel)
 *    walks its chain in token order, sums dout, and adds once to dtable.
 *
 * Every table element is written by exactly one invocation, and each sum is
 * taken in token order, so the result is the same on every run.
 */
import { GROUP_INDEX, type KernelSpec, MAIN_ARGS } from '../kernel.js';
import { f32, i32, NAN_HELPER, pointwise, u32, WG } from './pointwise.js';

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

/** links[i] = next token with ids[i] (or -1); links[n + i] = 1 when i is the first occurrence. */
export const embeddingLinks: KernelSpec = {
  name: 'embeddingLinks',
  buffers: [
    { name: 'links', type: 'i32' },
    { name: 'ids', type: 'i32' },
  ],
  params: [{ name: 'n', type: 'u32' }],
  body: `
@compute @workgroup_size(${WG})
fn main(${MAIN_ARGS}) {
  ${GROUP_INDEX}
  let i = group * ${WG}u + lid;
  if (i >= P.n) { return; }
  let id = $ids[P.o_ids + i];
  var first = 1;
  for (var j = 0u; j < i; j++) { if ($ids[P.o_ids + j] == id) { first = 0; break; } }
  var next = -1;
  for (var j = i + 1u; j < P.n; j++) { if ($ids[P.o_ids + j] == id) { next = i32(j); break; } }
  $links[P.o_links + i] = next;
  $links[P.o_links + P.n + i] = first;
}`,
};

export const embeddingBackward: KernelSpec = {
  name: 'embeddingBackward',
  buffers: [
    { name: 'dtable', type: 'f32' },
    { name: 'dout', type: 'f32' },
    { name: 'ids', type: 'i32' },
    { name: 'links', type: 'i32' },
  ],
  params: [
    { name: 'n', type: 'u32' },
    { name: 'C', type: 'u32' },
    { name: 'V', type: 'u32' },
  ],
  body: `
@compute @workgroup_size(${WG})
fn main(${MAIN_ARGS}) {
  ${GROUP_INDEX}
  let e = group * ${WG}u + lid;
  if (e >= P.n * P.C) { return; }
  let i = e / P.C; let c = e % P.C;
  if ($links[P.o_links + P.n + i] == 0) { return; }
  let id = $ids[P.o_ids + i];
  if (id < 0 || u32(id) >= P.V) { return; }
  var s = 0.0;
  var j = i32(i);
  loop {
    s += $dout[P.o_dout + u32(j) * P.C + c];
    j = $links[P.o_links + u32(j)];
    if (j < 0) { break; }
  }
  let o = P.o_dtable + u32(id) * P.C + c;
  $dtable[o] = $dtable[o] + s;
}`,
};
