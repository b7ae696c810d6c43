/**
 * Fused attention (FlashAttention-style), one invocation per query row.
 *
 * Forward: a 64-wide workgroup owns 64 queries of one (b, h); key/value rows
 * stream through workgroup memory TK at a time; each invocation keeps its
 * scaled query and output accumulator in registers with an online softmax
 * (running max m and sum l, rescaled once per tile). The (T,T) matrix is
 * never stored: lse = m + log(l) is saved for the backward pass.
 *
 * Backward (recomputes probabilities from lse):
 * - `attentionDelta`: delta[b,h,t] = Σ_d dout·out.
 * - `attentionBackwardDq`: per query, dq = scale Σ_j p(dp - delta) k_j.
 * - `attentionBackwardDkv`: per key of one kv head, loops over the query heads
 *   that share it (GQA) and over queries: dv = Σ p·dout, dk = scale Σ ds·q.
 * Each output element is written by one invocation: deterministic, no atomics.
 *
 * D and the tile length are compile-time constants (one pipeline per head size).
 */
import type { KernelSpec } from '../kernel.js';
import { f32, pointwise, u32 } from './pointwise.js';

/** Query rows (invocations) per workgroup: 64 on GPUs, fewer on software adapters. */
export const ATT_WG = 64;

const BUFS = {
  qkv: { name: 'qkv', type: 'f32' as const },
  out: { name: 'out', type: 'f32' as const },
  lse: { name: 'lse', type: 'f32' as const },
  seg: { name: 'seg', type: 'i32' as const },
  dout: { name: 'dout', type: 'f32' as const },
  dqkv: { name: 'dqkv', type: 'f32' as const },
  delta: { name: 'delta', type: 'f32' as const },
};

const PARAMS = ['B', 'T', 'H', 'Hkv', 'causal', 'hasSeg'].map((name) => ({ name, type: 'u32' as const }));
const SCALE = { name: 'scale', type: 'f32' as const };

/** Largest power of two ≤ 64 such that `perRow` floats per tile row fit in `bytes` of workgroup memory. */
export function attentionTile(perRowFloats: number, bytes: number): number {
  let tk = 64;
  while (tk > 1 && tk * (perRowFloats + 1) * 4 > bytes) tk /= 2;
  return tk;
}

/** Shared prologue: decode (b, h, query block) from the workgroup index. */
function header(QW: number): string {
  return `
  let group = wid.x + wid.y * nwg.x;
  let nqb = (P.T + ${QW - 1}u) / ${QW}u;
  let qb = group % nqb;
  let bh = group / nqb;
  if (bh >= P.B * NH) { return; }
  let b = bh / NH;
  let hh = bh % NH;
  let W = (P.H + 2u * P.Hkv) * D;
  let t = qb * ${QW}u + lid;
  let valid = t < P.T;
  let tc = min(t, P.T - 1u);
  var segq = 0;
  if (P.hasSeg != 0u) { segq = $seg[P.o_seg + b * P.T + tc]; }`;
}

const ARGS =
  '@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32';

/** Loads key (and value) rows k0..k0+TK of kv head `kvh` into Ks/Vs (and segment ids into Ss). */
function loadTile(withV: boolean, QW: number): string {
  return `
    for (var e = lid; e < TK * D; e += ${QW}u) {
      let j = k0 + e / D;
      let d = e % D;
      if (j < P.T) {
        let row = P.o_qkv + (b * P.T + j) * W;
        Ks[e] = $qkv[row + (P.H + kvh) * D + d];
        ${withV ? 'Vs[e] = $qkv[row + (P.H + P.Hkv + kvh) * D + d];' : ''}
      }
    }
    for (var e = lid; e < TK; e += ${QW}u) {
      if (P.hasSeg != 0u && k0 + e < P.T) { Ss[e] = $seg[P.o_seg + b * P.T + k0 + e]; }
    }`;
}

const cache = new Map<string, KernelSpec>();
function cached(key: string, make: () => KernelSpec): KernelSpec {
  let s = cache.get(key);
  if (!s) cache.set(key, (s = make()));
  return s;
}

/** Whether key j is visible to query t (causal and segment masks). */
const VISIBLE = '(j < P.T) && (P.causal == 0u || j <= t) && (P.hasSeg == 0u || Ss[jj] == segq)';

export function attentionForward(D: number, TK: number, QW = ATT_WG): KernelSpec {
  return cached(`fwd${D}_${TK}_${QW}`, () => ({
    name: `attention_D${D}`,
    buffers: [BUFS.out, BUFS.lse, BUFS.qkv, BUFS.seg],
    params: [...PARAMS, SCALE],
    body: `
const D = ${D}u; const TK = ${TK}u;
var<workgroup> Ks: array<f32, ${TK * D}>;
var<workgroup> Vs: array<f32, ${TK * D}>;
var<workgroup> Ss: array<i32, ${TK}>;
@compute @workgroup_size(${QW})
fn main(${ARGS}) {
  let NH = P.H;
  ${header(QW)}
  let h = hh;
  let kvh = h / (P.H / P.Hkv);
  var q: array<f32, ${D}>;
  var acc: array<f32, ${D}>;
  let qo = P.o_qkv + (b * P.T + tc) * W + h * D;
  for (var d = 0u; d < D; d++) { q[d] = $qkv[qo + d] * P.scale; }
  var m = -3.0e38;
  var l = 0.0;
  var kend = P.T;
  if (P.causal != 0u) { kend = min(P.T, (qb + 1u) * ${QW}u); }
  for (var k0 = 0u; k0 < kend; k0 += TK) {
    ${loadTile(true, QW)}
    workgroupBarrier();
    if (valid) {
      var s: array<f32, ${TK}>;
      var mt = m;
      for (var jj = 0u; jj < TK; jj++) {
        let j = k0 + jj;
        s[jj] = -3.0e38;
        if (${VISIBLE}) {
          var dot = 0.0;
          for (var d = 0u; d < D; d++) { dot = fma(q[d], Ks[jj * D + d], dot); }
          s[jj] = dot;
          mt = max(mt, dot);
        }
      }
      if (mt > m) {
        let corr = exp(m - mt);
        l *= corr;
        for (var d = 0u; d < D; d++) { acc[d] *= corr; }
        m = mt;
      }
      for (var jj = 0u; jj < TK; jj++) {
        let j = k0 + jj;
        if (${VISIBLE}) {
          let p = exp(s[jj] - m);
          l += p;
          for (var d = 0u; d < D; d++) { acc[d] = fma(p, Vs[jj * D + d], acc[d]); }
        }
      }
    }
    workgroupBarrier();
  }
  if (valid) {
    let oo = P.o_out + (b * P.T + t) * P.H * D + h * D;
    let inv = 1.0 / l;
    for (var d = 0u; d < D; d++) { $out[oo + d] = acc[d] * inv; }
    $lse[P.o_lse + (b * P.H + h) * P.T + t] = m + log(l);
  }
}`,
  }));
}

/** delta[b,h,t] = Σ_d dout[b,t,h,d] · out[b,t,h,d]; one invocation per (b,h,t). */
export const attentionDelta: KernelSpec = {
  name: 'attentionDelta',
  buffers: [BUFS.delta, BUFS.dout, BUFS.out],
  params: [...['B', 'T', 'H', 'D'].map((name) => ({ name, type: 'u32' as const }))],
  body: `
@compute @workgroup_size(256)
fn main(${ARGS}) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= P.B * P.H * P.T) { return; }
  let t = i % P.T; let h = (i / P.T) % P.H; let b = i / (P.T * P.H);
  let o = (b * P.T + t) * P.H * P.D + h * P.D;
  var s = 0.0;
  for (var d = 0u; d < P.D; d++) { s += $dout[P.o_dout + o + d] * $out[P.o_out + o + d]; }
  $delta[P.o_delta + i] = s;
}`,
};

export function attentionBackwardDq(D: number, TK: number, QW = ATT_WG): KernelSpec {
  return cached(`dq${D}_${TK}_${QW}`, () => ({
    name: `attentionBackwardDq_D${D}`,
    buffers: [BUFS.dqkv, BUFS.dout, BUFS.lse, BUFS.delta, BUFS.qkv, BUFS.seg],
    params: [...PARAMS, SCALE],
    body: `
const D = ${D}u; const TK = ${TK}u;
var<workgroup> Ks: array<f32, ${TK * D}>;
var<workgroup> Vs: array<f32, ${TK * D}>;
var<workgroup> Ss: array<i32, ${TK}>;
@compute @workgroup_size(${QW})
fn main(${ARGS}) {
  let NH = P.H;
  ${header(QW)}
  let h = hh;
  let kvh = h / (P.H / P.Hkv);
  var q: array<f32, ${D}>;
  var g: array<f32, ${D}>;
  var dq: array<f32, ${D}>;
  let qo = P.o_qkv + (b * P.T + tc) * W + h * D;
  let go = P.o_dout + (b * P.T + tc) * P.H * D + h * D;
  for (var d = 0u; d < D; d++) { q[d] = $qkv[qo + d]; g[d] = $dout[go + d]; }
  let li = (b * P.H + h) * P.T + tc;
  let lse = $lse[P.o_lse + li];
  let delta = $delta[P.o_delta + li];
  var kend = P.T;
  if (P.causal != 0u) { kend = min(P.T, (qb + 1u) * ${QW}u); }
  for (var k0 = 0u; k0 < kend; k0 += TK) {
    ${loadTile(true, QW)}
    workgroupBarrier();
    if (valid) {
      for (var jj = 0u; jj < TK; jj++) {
        let j = k0 + jj;
        if (${VISIBLE}) {
          var s = 0.0; var dp = 0.0;
          for (var d = 0u; d < D; d++) { s = fma(q[d], Ks[jj * D + d], s); dp = fma(g[d], Vs[jj * D + d], dp); }
          let ds = exp(s * P.scale - lse) * (dp - delta);
          for (var d = 0u; d < D; d++) { dq[d] = fma(ds, Ks[jj * D + d], dq[d]); }
        }
      }
    }
    workgroupBarrier();
  }
  if (valid) {
    let o = P.o_dqkv + (b * P.T + t) * W + h * D;
    for (var d = 0u; d < D; d++) { $dqkv[o + d] = $dqkv[o + d] + P.scale * dq[d]; }
  }
}`,
  }));
}

/**
 * One invocation per key j of kv head `hh`; the workgroup streams queries
 * (q, dout, lse, delta, segment) of each query head in the group through
 * workgroup memory. Here `t` is the key index.
 */
export function attentionBackwardDkv(D: number, TK: number, QW = ATT_WG): KernelSpec {
  return cached(`dkv${D}_${TK}_${QW}`, () => ({
    name: `attentionBackwardDkv_D${D}`,
    buffers: [BUFS.dqkv, BUFS.dout, BUFS.lse, BUFS.delta, BUFS.qkv, BUFS.seg],
    params: [...PARAMS, SCALE],
    body: `
const D = ${D}u; const TK = ${TK}u;
var<workgroup> Qs: array<f32, ${TK * D}>;
var<workgroup> Gs: array<f32, ${TK * D}>;
var<workgroup> Ls: array<f32, ${TK}>;
var<workgroup> Ds: array<f32, ${TK}>;
var<workgroup> Ss: array<i32, ${TK}>;
@compute @workgroup_size(${QW})
fn main(${ARGS}) {
  let NH = P.Hkv;
  ${header(QW)}
  let kvh = hh;
  let G = P.H / P.Hkv;
  var k: array<f32, ${D}>;
  var v: array<f32, ${D}>;
  var dk: array<f32, ${D}>;
  var dv: array<f32, ${D}>;
  let ko = P.o_qkv + (b * P.T + tc) * W + (P.H + kvh) * D;
  for (var d = 0u; d < D; d++) { k[d] = $qkv[ko + d]; v[d] = $qkv[ko + P.Hkv * D + d]; }
  var i0 = 0u;
  if (P.causal != 0u) { i0 = qb * ${QW}u; }
  for (var h = kvh * G; h < (kvh + 1u) * G; h++) {
    for (var q0 = (i0 / TK) * TK; q0 < P.T; q0 += TK) {
      for (var e = lid; e < TK * D; e += ${QW}u) {
        let i = q0 + e / D;
        let d = e % D;
        if (i < P.T) {
          Qs[e] = $qkv[P.o_qkv + (b * P.T + i) * W + h * D + d];
          Gs[e] = $dout[P.o_dout + (b * P.T + i) * P.H * D + h * D + d];
        }
      }
      for (var e = lid; e < TK; e += ${QW}u) {
        let i = q0 + e;
        if (i < P.T) {
          let li = (b * P.H + h) * P.T + i;
          Ls[e] = $lse[P.o_lse + li];
          Ds[e] = $delta[P.o_delta + li];
          if (P.hasSeg != 0u) { Ss[e] = $seg[P.o_seg + b * P.T + i]; }
        }
      }
      workgroupBarrier();
      if (valid) {
        for (var ii = 0u; ii < TK; ii++) {
          let i = q0 + ii;
          if (i < P.T && (P.causal == 0u || t <= i) && (P.hasSeg == 0u || Ss[ii] == segq)) {
            var s = 0.0; var dp = 0.0;
            for (var d = 0u; d < D; d++) { s = fma(Qs[ii * D + d], k[d], s); dp = fma(Gs[ii * D + d], v[d], dp); }
            let p = exp(s * P.scale - Ls[ii]);
            let ds = p * (dp - Ds[ii]);
            for (var d = 0u; d < D; d++) {
              dv[d] = fma(p, Gs[ii * D + d], dv[d]);
              dk[d] = fma(ds, Qs[ii * D + d], dk[d]);
            }
          }
        }
      }
      workgroupBarrier();
    }
  }
  if (valid) {
    let o = P.o_dqkv + (b * P.T + t) * W + (P.H + kvh) * D;
    for (var d = 0u; d < D; d++) {
      $dqkv[o + d] = $dqkv[o + d] + P.scale * dk[d];
      $dqkv[o + P.Hkv * D + d] = $dqkv[o + P.Hkv * D + d] + dv[d];
    }
  }
}`,
  }));
}

// Generation: attention over a KV cache (forward only), one invocation per output.

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
