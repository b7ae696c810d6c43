/**
 * LayerNorm and RMSNorm. Forward and dx: one workgroup per row with
 * tree reductions. dw/db: one invocation per column summing over rows in a
 * 64×4 workgroup, then a fixed-order reduction of the 4 stripes, so results
 * are the same every run (no atomics).
 */
import { GROUP_INDEX, type KernelSpec, MAIN_ARGS } from '../kernel.js';
import { WORKGROUP_REDUCE } from './reduce.js';

const f32 = (name: string) => ({ name, type: 'f32' as const });
const u32 = (name: string) => ({ name, type: 'u32' as const });

function rowKernel(name: string, buffers: string[], params: KernelSpec['params'], body: string): KernelSpec {
  return {
    name,
    buffers: buffers.map(f32),
    params: [u32('N'), u32('C'), ...params],
    body: `${WORKGROUP_REDUCE}
@compute @workgroup_size(RWG)
fn main(${MAIN_ARGS}) {
  ${GROUP_INDEX}
  let row = group;
  if (row >= P.N) { return; }
  let xo = P.o_x + row * P.C;
  ${body}
}`,
  };
}

/** out[N,C] = (x - mean) * rstd * w + b */
export const layernorm = rowKernel(
  'layernorm',
  ['out', 'mean', 'rstd', 'x', 'w', 'b'],
  [u32('hasB'), f32('eps')],
  `
  var s = 0.0;
  for (var c = lid; c < P.C; c += RWG) { s += $x[xo + c]; }
  let mean = wg_sum(s, lid) / f32(P.C);
  var q = 0.0;
  for (var c = lid; c < P.C; c += RWG) { let d = $x[xo + c] - mean; q += d * d; }
  let rstd = 1.0 / sqrt(wg_sum(q, lid) / f32(P.C) + P.eps);
  for (var c = lid; c < P.C; c += RWG) {
    var v = ($x[xo + c] - mean) * rstd * $w[P.o_w + c];
    if (P.hasB != 0u) { v += $b[P.o_b + c]; }
    $out[P.o_out + row * P.C + c] = v;
  }
  if (lid == 0u) { $mean[P.o_mean + row] = mean; $rstd[P.o_rstd + row] = rstd; }`,
);

/** dx += (w·dout - mean(w·dout) - xhat·mean(w·dout·xhat)) · rstd */
export const layernormBackwardDx = rowKernel(
  'layernormBackwardDx',
  ['dx', 'dout', 'x', 'w', 'mean', 'rstd'],
  [],
  `
  let mean = $mean[P.o_mean + row];
  let rstd = $rstd[P.o_rstd + row];
  let go = P.o_dout + row * P.C;
  var s1 = 0.0; var s2 = 0.0;
  for (var c = lid; c < P.C; c += RWG) {
    let dn = $w[P.o_w + c] * $dout[go + c];
    s1 += dn;
    s2 += dn * ($x[xo + c] - mean) * rstd;
  }
  let m1 = wg_sum(s1, lid) / f32(P.C);
  let m2 = wg_sum(s2, lid) / f32(P.C);
  for (var c = lid; c < P.C; c += RWG) {
    let dn = $w[P.o_w + c] * $dout[go + c];
    let xhat = ($x[xo + c] - mean) * rstd;
    let o = P.o_dx + row * P.C + c;
    $dx[o] = $dx[o] + (dn - m1 - xhat * m2) * rstd;
  }`,
);

export const rmsnorm = rowKernel(
  'rmsnorm',
  ['out', 'rstd', 'x', 'w'],
  [f32('eps')],
  `
  var q = 0.0;
  for (var c = lid; c < P.C; c += RWG) { let v = $x[xo + c]; q += v * v; }
  let rstd = 1.0 / sqrt(wg_sum(q, lid) / f32(P.C) + P.eps);
  for (var c = lid; c < P.C; c += RWG) {
    $out[P.o_out + row * P.C + c] = $x[xo + c] * rstd * $w[P.o_w + c];
  }
  if (lid == 0u) { $rstd[P.o_rstd + row] = rstd; }`,
);

/** dx += rstd·w·dout - x·rstd³·mean(dout·w·x) */
export const rmsnormBackwardDx = rowKernel(
  'rmsnormBackwardDx',
  ['dx', 'dout', 'x', 'w', 'rstd'],
  [],
  `
  let rstd = $rstd[P.o_rstd + row];
  let go = P.o_dout + row * P.C;
  var s = 0.0;
  for (var c = lid; c < P.C; c += RWG) { s += $dout[go + c] * $w[P.o_w + c] * $x[xo + c]; }
  let m = wg_sum(s, lid) / f32(P.C);
  for (var c = lid; c < P.C; c += RWG) {
    let o = P.o_dx + row * P.C + c;
    $dx[o] = $dx[o] + rstd * $w[P.o_w + c] * $dout[go + c] - $x[xo + c] * rstd * rstd * rstd * m;
  }`,
);

/**
 * Column sums over N rows: `term` is the per-element value (using r, c, g = dout).
 * Writes d1 (+ d2 when `two`) with accumulate.
 */
function columnKernel(name: string, buffers: string[], term1: string, term2?: string): KernelSpec {
  const two = term2 !== undefined;
  return {
    name,
    buffers: buffers.map(f32),
    params: [u32('N'), u32('C'), u32('hasD2')],
    body: `
var<workgroup> p1: array<f32, 256>;
var<workgroup> p2: array<f32, 256>;
@compute @workgroup_size(64, 4)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let c = wid.x * 64u + l.x;
  var s1 = 0.0; var s2 = 0.0;
  if (c < P.C) {
    for (var r = l.y; r < P.N; r += 4u) {
      let g = $dout[P.o_dout + r * P.C + c];
      s1 += ${term1};
      ${two ? `s2 += ${term2};` : ''}
    }
  }
  p1[l.y * 64u + l.x] = s1;
  p2[l.y * 64u + l.x] = s2;
  workgroupBarrier();
  if (l.y == 0u && c < P.C) {
    let t1 = ((p1[l.x] + p1[64u + l.x]) + p1[128u + l.x]) + p1[192u + l.x];
    $d1[P.o_d1 + c] = $d1[P.o_d1 + c] + t1;
    ${
      two
        ? `if (P.hasD2 != 0u) {
      let t2 = ((p2[l.x] + p2[64u + l.x]) + p2[128u + l.x]) + p2[192u + l.x];
      $d2[P.o_d2 + c] = $d2[P.o_d2 + c] + t2;
    }`
        : ''
    }
  }
}`,
  };
}

/** dbias[c] += Σ_r dout[r,c] */
export const biasBackward = columnKernel('biasBackward', ['d1', 'dout'], 'g');
/** dw[c] += Σ_r dout·xhat, db[c] += Σ_r dout */
export const layernormBackwardDw = columnKernel(
  'layernormBackwardDw',
  ['d1', 'd2', 'dout', 'x', 'mean', 'rstd'],
  'g * ($x[P.o_x + r * P.C + c] - $mean[P.o_mean + r]) * $rstd[P.o_rstd + r]',
  'g',
);
/** dw[c] += Σ_r dout·x·rstd */
export const rmsnormBackwardDw = columnKernel(
  'rmsnormBackwardDw',
  ['d1', 'dout', 'x', 'rstd'],
  'g * $x[P.o_x + r * P.C + c] * $rstd[P.o_rstd + r]',
);
