/**
 * WGSL helpers for workgroup reductions (tree in workgroup memory).
 *
 * The width is the override constant RWG (a power of two): 256 on GPUs; the
 * recorder sets it smaller on software adapters, where every barrier costs a
 * switch between emulated invocations.
 */

export const WORKGROUP_REDUCE = `
override RWG: u32 = 256u;
var<workgroup> red: array<f32, RWG>;
fn wg_sum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = RWG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn wg_max(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = RWG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] = max(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}`;
