//! Fused multi-head attention on packed qkv (B,T,(H+2·Hkv)·D), forward and
//! backward, with causal and segment masks and grouped KV heads. The
//! products run through the register-blocked `gemm`; only a block of scores
//! per thread is ever stored (in `scratch`), and the backward pass recomputes
//! the probabilities from the saved log-sum-exp.
use crate::matmul::{gemm, Operands, SCRATCH_FLOATS};
use crate::BLOCK_SCRATCH;
use crate::simd::{axpy, dot, exp, exp4, hsum, ld, log, scale_by, st};
use crate::v4::*;

struct Shape {
    t: usize,
    h: usize,
    hkv: usize,
    d: usize,
    width: usize,
}

impl Shape {
    fn new(t: usize, h: usize, hkv: usize, d: usize) -> Shape {
        Shape { t, h, hkv, d, width: (h + 2 * hkv) * d }
    }
    /// Element offsets of query head `h`, key head `g`, value head `g` in row (b, t).
    fn q(&self, b: usize, t: usize, h: usize) -> usize {
        (b * self.t + t) * self.width + h * self.d
    }
    fn k(&self, b: usize, t: usize, g: usize) -> usize {
        (b * self.t + t) * self.width + (self.h + g) * self.d
    }
    fn v(&self, b: usize, t: usize, g: usize) -> usize {
        (b * self.t + t) * self.width + (self.h + self.hkv + g) * self.d
    }
    fn o(&self, b: usize, t: usize, h: usize) -> usize {
        (b * self.t + t) * self.h * self.d + h * self.d
    }
}

#[inline(always)]
unsafe fn visible(seg: *const i32, b: usize, t_len: usize, i: usize, j: usize) -> bool {
    seg.is_null() || *seg.add(b * t_len + i) == *seg.add(b * t_len + j)
}

/// Query rows (and, backward, key columns) per block: the score block and the
/// packed operands stay in L1/L2 while the products run through `gemm`.
const BLOCK: usize = 64;

/// out = softmax(scale·q·kᵀ + mask)·v; lse[b,h,t] saved. Units: b·H + h.
/// `segments` may be null; `causal` is 0 or 1. Per block of query rows the
/// scores S = Q·Kᵀ and the output P·V are register-blocked products (gemm);
/// only a block of S rows is ever stored.
#[no_mangle]
pub unsafe extern "C" fn kiln_attention(
    out: *mut f32, lse: *mut f32, qkv: *const f32, segments: *const i32,
    t_len: usize, h: usize, hkv: usize, d: usize, causal: u32, scale: f32,
    lo: usize, hi: usize, scratch: *mut f32,
) {
    let s = Shape::new(t_len, h, hkv, d);
    let rep = h / hkv;
    let scores = scratch.add(SCRATCH_FLOATS);
    let rows = rows_per_block(BLOCK_SCRATCH / t_len);
    for u in lo..hi {
        let (b, hq) = (u / h, u % h);
        let g = hq / rep;
        let mut i0 = 0;
        while i0 < t_len {
            let i1 = if t_len - i0 < rows { t_len } else { i0 + rows };
            let jend = if causal != 0 { i1 } else { t_len };
            // S = Q·Kᵀ (unscaled) for rows i0..i1, keys 0..jend.
            let qk = Operands {
                a: qkv.add(s.q(b, i0, hq)), lda: s.width, trans_a: false,
                b: qkv.add(s.k(b, 0, g)), ldb: s.width, trans_b: true,
                out: scores, ldc: jend, bias: core::ptr::null(), accumulate: false,
            };
            gemm(&qk, d, 0, i1 - i0, 0, jend, scratch);
            for i in i0..i1 {
                let row = scores.add((i - i0) * jend);
                let end = if causal != 0 { i + 1 } else { t_len };
                *lse.add(u * t_len + i) = softmax_row(row, jend, end, scale, segments.is_null(), |j| visible(segments, b, t_len, i, j));
            }
            // out rows = P·V.
            let pv = Operands {
                a: scores, lda: jend, trans_a: false,
                b: qkv.add(s.v(b, 0, g)), ldb: s.width, trans_b: false,
                out: out.add(s.o(b, i0, hq)), ldc: h * d, bias: core::ptr::null(), accumulate: false,
            };
            gemm(&pv, jend, 0, i1 - i0, 0, d, scratch);
            i0 = i1;
        }
    }
}

/// A multiple of 4 up to BLOCK (at least 1): `fit` rows of scores fit in scratch.
fn rows_per_block(fit: usize) -> usize {
    let r = if fit < BLOCK { fit } else { BLOCK };
    if r >= 4 { r & !3 } else if r == 0 { 1 } else { r }
}

/// Turns scores row[0..end] into probabilities of scale·score in place
/// (masked ones and row[end..len] set to 0); returns the log-sum-exp of the
/// scaled scores. `all_visible`: no segment mask, so the loops run 4 wide.
#[inline(always)]
unsafe fn softmax_row(row: *mut f32, len: usize, end: usize, scale: f32, all_visible: bool, visible: impl Fn(usize) -> bool) -> f32 {
    let mut m = f32::NEG_INFINITY;
    for j in 0..end {
        let sc = if all_visible || visible(j) { scale * *row.add(j) } else { f32::NEG_INFINITY };
        *row.add(j) = sc;
        if sc > m {
            m = sc;
        }
    }
    let mut acc = f32x4_splat(0.0);
    let mv = f32x4_splat(m);
    let mut j = 0;
    while j + 4 <= end {
        let p = exp4(f32x4_sub(ld(row.add(j)), mv));
        st(row.add(j), p);
        acc = f32x4_add(acc, p);
        j += 4;
    }
    let mut sum = hsum(acc);
    while j < end {
        let p = exp(*row.add(j) - m);
        *row.add(j) = p;
        sum += p;
        j += 1;
    }
    let inv = 1.0 / sum;
    scale_by(row, inv, end);
    for j in end..len {
        *row.add(j) = 0.0;
    }
    m + log(sum)
}

/// One row of a backward tile: p = exp(scale·s − lse) for the first `seen`
/// keys where `visible(j)` (else 0), and ds = p·(dp − delta)·scale, in place.
/// `all_visible`: no segment mask, so the loop runs 4 wide.
#[inline(always)]
unsafe fn backward_row(
    pr: *mut f32, dr: *mut f32, n: usize, seen: usize, factor: f32, l: f32, dl: f32,
    all_visible: bool, visible: impl Fn(usize) -> bool,
) {
    let mut j = 0;
    if all_visible {
        let (sv, lv, dlv) = (f32x4_splat(factor), f32x4_splat(l), f32x4_splat(dl));
        while j + 4 <= seen {
            let p = exp4(f32x4_sub(f32x4_mul(sv, ld(pr.add(j))), lv));
            st(pr.add(j), p);
            st(dr.add(j), f32x4_mul(f32x4_mul(p, f32x4_sub(ld(dr.add(j)), dlv)), sv));
            j += 4;
        }
    }
    while j < n {
        if j < seen && (all_visible || visible(j)) {
            let p = exp(factor * *pr.add(j) - l);
            *pr.add(j) = p;
            *dr.add(j) = p * (*dr.add(j) - dl) * factor;
        } else {
            *pr.add(j) = 0.0;
            *dr.add(j) = 0.0;
        }
        j += 1;
    }
}

/// Accumulates dq, dk, dv into dqkv. Units: b·Hkv + g (a KV head owns every
/// query head that reads it, so dk/dv sums never cross threads). Works on
/// BLOCK×BLOCK tiles of (query rows, keys): P is recomputed from the saved
/// log-sum-exp, and all five products are register-blocked gemms.
#[no_mangle]
pub unsafe extern "C" fn kiln_attention_backward(
    dqkv: *mut f32, dout: *const f32, qkv: *const f32, out: *const f32, lse: *const f32, segments: *const i32,
    t_len: usize, h: usize, hkv: usize, d: usize, causal: u32, scale: f32,
    lo: usize, hi: usize, scratch: *mut f32,
) {
    let s = Shape::new(t_len, h, hkv, d);
    let rep = h / hkv;
    let ldo = h * d;
    let p = scratch.add(SCRATCH_FLOATS);
    let ds = p.add(BLOCK * BLOCK);
    let delta = ds.add(BLOCK * BLOCK);
    let none = core::ptr::null();
    for u in lo..hi {
        let (b, g) = (u / hkv, u % hkv);
        for hq in g * rep..(g + 1) * rep {
            let mut i0 = 0;
            while i0 < t_len {
                let i1 = if t_len - i0 < BLOCK { t_len } else { i0 + BLOCK };
                let rn = i1 - i0;
                for i in i0..i1 {
                    *delta.add(i - i0) = dot(dout.add(s.o(b, i, hq)), out.add(s.o(b, i, hq)), d);
                }
                let jend = if causal != 0 { i1 } else { t_len };
                let mut j0 = 0;
                while j0 < jend {
                    let j1 = if jend - j0 < BLOCK { jend } else { j0 + BLOCK };
                    let cn = j1 - j0;
                    // P = Q·Kᵀ, then exp(scale·s − lse) where visible.
                    let qk = Operands {
                        a: qkv.add(s.q(b, i0, hq)), lda: s.width, trans_a: false,
                        b: qkv.add(s.k(b, j0, g)), ldb: s.width, trans_b: true,
                        out: p, ldc: cn, bias: none, accumulate: false,
                    };
                    gemm(&qk, d, 0, rn, 0, cn, scratch);
                    // dP = dO·Vᵀ.
                    let dv = Operands {
                        a: dout.add(s.o(b, i0, hq)), lda: ldo, trans_a: false,
                        b: qkv.add(s.v(b, j0, g)), ldb: s.width, trans_b: true,
                        out: ds, ldc: cn, bias: none, accumulate: false,
                    };
                    gemm(&dv, d, 0, rn, 0, cn, scratch);
                    for i in i0..i1 {
                        let l = *lse.add((b * h + hq) * t_len + i);
                        let dl = *delta.add(i - i0);
                        let (pr, dr) = (p.add((i - i0) * cn), ds.add((i - i0) * cn));
                        // Keys j0..j0+seen are at or before i (all of them without the causal mask).
                        let seen = if causal == 0 { cn } else if i < j0 { 0 } else if i + 1 - j0 < cn { i + 1 - j0 } else { cn };
                        backward_row(pr, dr, cn, seen, scale, l, dl, segments.is_null(), |j| visible(segments, b, t_len, i, j0 + j));
                    }
                    // dQ += dS·K, dK += dSᵀ·Q, dV += Pᵀ·dO.
                    let dq = Operands {
                        a: ds, lda: cn, trans_a: false,
                        b: qkv.add(s.k(b, j0, g)), ldb: s.width, trans_b: false,
                        out: dqkv.add(s.q(b, i0, hq)), ldc: s.width, bias: none, accumulate: true,
                    };
                    gemm(&dq, cn, 0, rn, 0, d, scratch);
                    let dk = Operands {
                        a: ds, lda: cn, trans_a: true,
                        b: qkv.add(s.q(b, i0, hq)), ldb: s.width, trans_b: false,
                        out: dqkv.add(s.k(b, j0, g)), ldc: s.width, bias: none, accumulate: true,
                    };
                    gemm(&dk, rn, 0, cn, 0, d, scratch);
                    let dvv = Operands {
                        a: p, lda: cn, trans_a: true,
                        b: dout.add(s.o(b, i0, hq)), ldb: ldo, trans_b: false,
                        out: dqkv.add(s.v(b, j0, g)), ldc: s.width, bias: none, accumulate: true,
                    };
                    gemm(&dvv, rn, 0, cn, 0, d, scratch);
                    j0 = j1;
                }
                i0 = i1;
            }
        }
    }
}

/// Generation with a KV cache: writes the Tq new keys/values into rows
/// pos..pos+Tq of kCache/vCache (B,Tmax,Hkv·D), then query t attends
/// causally to cache rows 0..=pos+t. Units: b·Hkv + g (a unit writes only
/// its own KV head's cache rows before reading them, so no thread waits).
#[no_mangle]
pub unsafe extern "C" fn kiln_attention_kv(
    out: *mut f32, kcache: *mut f32, vcache: *mut f32, qkv: *const f32,
    tq: usize, tmax: usize, pos: usize, h: usize, hkv: usize, d: usize, scale: f32,
    lo: usize, hi: usize, scratch: *mut f32,
) {
    let s = Shape::new(tq, h, hkv, d);
    let rep = h / hkv;
    let cache_row = |b: usize, t: usize, g: usize| (b * tmax + t) * hkv * d + g * d;
    for u in lo..hi {
        let (b, g) = (u / hkv, u % hkv);
        for t in 0..tq {
            core::ptr::copy_nonoverlapping(qkv.add(s.k(b, t, g)), kcache.add(cache_row(b, pos + t, g)), d);
            core::ptr::copy_nonoverlapping(qkv.add(s.v(b, t, g)), vcache.add(cache_row(b, pos + t, g)), d);
        }
        for hq in g * rep..(g + 1) * rep {
            for t in 0..tq {
                let q = qkv.add(s.q(b, t, hq));
                let end = pos + t + 1;
                let mut m = f32::NEG_INFINITY;
                for j in 0..end {
                    let sc = scale * dot(q, kcache.add(cache_row(b, j, g)), d);
                    *scratch.add(j) = sc;
                    if sc > m {
                        m = sc;
                    }
                }
                let o = out.add(s.o(b, t, hq));
                for c in 0..d {
                    *o.add(c) = 0.0;
                }
                let mut sum = 0.0f32;
                for j in 0..end {
                    let p = exp(*scratch.add(j) - m);
                    sum += p;
                    axpy(o, vcache.add(cache_row(b, j, g)), p, d);
                }
                let inv = 1.0 / sum;
                for c in 0..d {
                    *o.add(c) *= inv;
                }
            }
        }
    }
}
