//! Fused multi-head attention on packed qkv (B,T,(H+2·Hkv)·D), forward and
//! backward, with causal and segment masks and grouped KV heads. The
//! products run through the register-blocked `gemm`; only a block of scores
//! per thread is ever stored (in `scratch`), and the backward pass recomputes
//! the probabilities from the saved log-sum-exp. The row-wise exp and scale
//! loops run at the CPU's full vector width (see `lanes`).
use crate::matmul::{gemm, Operands, SCRATCH_FLOATS};
use crate::BLOCK_SCRATCH;
use crate::lanes::math::{axpy, dot, exp, scale_by};
use crate::lanes::{each_vector, keep, widest, Lanes};
use crate::simd::log;

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

widest! {
    /// out = softmax(scale·q·kᵀ + mask)·v; lse[b,h,t] saved. Units: b·H + h.
    /// `segments` may be null; `causal` is 0 or 1. Per block of query rows the
    /// scores S = Q·Kᵀ and the output P·V are register-blocked products (gemm);
    /// only a block of S rows is ever stored.
    pub unsafe extern "C" fn kiln_attention(
        out: *mut f32, lse: *mut f32, qkv: *const f32, segments: *const i32,
        t_len: usize, h: usize, hkv: usize, d: usize, causal: u32, scale: f32,
        lo: usize, hi: usize, scratch: *mut f32,
    ) => attention;
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn attention<L: Lanes>(
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
                *lse.add(u * t_len + i) = softmax_row::<L>(row, jend, end, scale, segments.is_null(), |j| visible(segments, b, t_len, i, j));
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
/// scaled scores. `all_visible`: no segment mask, so scaling runs vector-wide.
#[inline(always)]
unsafe fn softmax_row<L: Lanes>(row: *mut f32, len: usize, end: usize, scale: f32, all_visible: bool, visible: impl Fn(usize) -> bool) -> f32 {
    let m = if all_visible {
        let (vs, mut vm) = (L::splat(scale), L::splat(f32::NEG_INFINITY));
        each_vector!(L, j, n in 0, end => {
            let sc = L::mul(L::load_n(row.add(j), n), vs);
            L::store_n(row.add(j), sc, n);
            vm = L::max(vm, keep::<L>(sc, n, f32::NEG_INFINITY));
        });
        L::hmax(vm)
    } else {
        let mut m = f32::NEG_INFINITY;
        for j in 0..end {
            let sc = if visible(j) { scale * *row.add(j) } else { f32::NEG_INFINITY };
            *row.add(j) = sc;
            if sc > m {
                m = sc;
            }
        }
        m
    };
    let (mv, mut acc) = (L::splat(m), L::splat(0.0));
    each_vector!(L, j, n in 0, end => {
        let p = exp::<L>(L::sub(L::load_n(row.add(j), n), mv));
        L::store_n(row.add(j), p, n);
        acc = L::add(acc, keep::<L>(p, n, 0.0));
    });
    let sum = L::hsum(acc);
    scale_by::<L>(row, 1.0 / sum, end);
    for j in end..len {
        *row.add(j) = 0.0;
    }
    m + log(sum)
}

/// One row of a backward tile: p = exp(scale·s − lse) for the first `seen`
/// keys where `visible(j)` (else 0), and ds = p·(dp − delta)·scale, in place.
/// Every seen key is computed vector-wide; masked ones are zeroed after.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn backward_row<L: Lanes>(
    pr: *mut f32, dr: *mut f32, len: usize, seen: usize, factor: f32, l: f32, dl: f32,
    all_visible: bool, visible: impl Fn(usize) -> bool,
) {
    let (sv, nlv, dlv) = (L::splat(factor), L::splat(-l), L::splat(dl));
    each_vector!(L, j, n in 0, seen => {
        let p = exp::<L>(L::mul_add(sv, L::load_n(pr.add(j), n), nlv));
        L::store_n(pr.add(j), p, n);
        L::store_n(dr.add(j), L::mul(L::mul(p, L::sub(L::load_n(dr.add(j), n), dlv)), sv), n);
    });
    for j in seen..len {
        *pr.add(j) = 0.0;
        *dr.add(j) = 0.0;
    }
    if !all_visible {
        for j in 0..seen {
            if !visible(j) {
                *pr.add(j) = 0.0;
                *dr.add(j) = 0.0;
            }
        }
    }
}

widest! {
    /// Accumulates dq, dk, dv into dqkv. Units: b·Hkv + g (a KV head owns every
    /// query head that reads it, so dk/dv sums never cross threads). Works on
    /// BLOCK×BLOCK tiles of (query rows, keys): P is recomputed from the saved
    /// log-sum-exp, and all five products are register-blocked gemms.
    pub unsafe extern "C" fn kiln_attention_backward(
        dqkv: *mut f32, dout: *const f32, qkv: *const f32, out: *const f32, lse: *const f32, segments: *const i32,
        t_len: usize, h: usize, hkv: usize, d: usize, causal: u32, scale: f32,
        lo: usize, hi: usize, scratch: *mut f32,
    ) => attention_backward;
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn attention_backward<L: Lanes>(
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
                    *delta.add(i - i0) = dot::<L>(dout.add(s.o(b, i, hq)), out.add(s.o(b, i, hq)), d);
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
                        backward_row::<L>(pr, dr, cn, seen, scale, l, dl, segments.is_null(), |j| visible(segments, b, t_len, i, j0 + j));
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

widest! {
    /// Generation with a KV cache: writes the Tq new keys/values into rows
    /// pos..pos+Tq of kCache/vCache (B,Tmax,Hkv·D), then query t attends
    /// causally to cache rows 0..=pos+t. Units: b·Hkv + g (a unit writes only
    /// its own KV head's cache rows before reading them, so no thread waits).
    pub unsafe extern "C" fn kiln_attention_kv(
        out: *mut f32, kcache: *mut f32, vcache: *mut f32, qkv: *const f32,
        tq: usize, tmax: usize, pos: usize, h: usize, hkv: usize, d: usize, scale: f32,
        lo: usize, hi: usize, scratch: *mut f32,
    ) => attention_kv;
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn attention_kv<L: Lanes>(
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
                let k = kcache.add(cache_row(b, 0, g));
                let v = vcache.add(cache_row(b, 0, g));
                attend::<L>(out.add(s.o(b, t, hq)), qkv.add(s.q(b, t, hq)), k, v, hkv * d, pos + t + 1, d, scale, scratch);
            }
        }
    }
}

/// out[0..d] = softmax(scale·q·Kᵀ)·V over cache positions 0..end, the key and
/// value of position j at k + j·stride and v + j·stride; scores in `scratch`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn attend<L: Lanes>(
    o: *mut f32, q: *const f32, k: *const f32, v: *const f32, stride: usize, end: usize, d: usize, scale: f32,
    scratch: *mut f32,
) {
    let mut m = f32::NEG_INFINITY;
    for j in 0..end {
        let sc = scale * dot::<L>(q, k.add(j * stride), d);
        *scratch.add(j) = sc;
        if sc > m {
            m = sc;
        }
    }
    let mv = L::splat(m);
    each_vector!(L, j, n in 0, end => {
        L::store_n(scratch.add(j), exp::<L>(L::sub(L::load_n(scratch.add(j), n), mv)), n);
    });
    for c in 0..d {
        *o.add(c) = 0.0;
    }
    let mut sum = 0.0f32;
    for j in 0..end {
        let p = *scratch.add(j);
        sum += p;
        axpy::<L>(o, v.add(j * stride), p, d);
    }
    scale_by::<L>(o, 1.0 / sum, d);
}

widest! {
    /// Generation for a batch of sequences, each at its own place: row i of
    /// qkv (n, (H+2·Hkv)·D) is one new token of the sequence in cache row
    /// rows[i] (of kCache/vCache (B,Tmax,Hkv·D)), at position positions[i].
    /// Its key and value are written there, then it attends to that row's
    /// positions 0..=positions[i]. Units: i·Hkv + g. Rows are distinct, so
    /// no unit reads what another writes.
    pub unsafe extern "C" fn kiln_attention_kv_rows(
        out: *mut f32, kcache: *mut f32, vcache: *mut f32, qkv: *const f32, rows: *const i32, positions: *const i32,
        tmax: usize, h: usize, hkv: usize, d: usize, scale: f32,
        lo: usize, hi: usize, scratch: *mut f32,
    ) => attention_kv_rows;
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn attention_kv_rows<L: Lanes>(
    out: *mut f32, kcache: *mut f32, vcache: *mut f32, qkv: *const f32, rows: *const i32, positions: *const i32,
    tmax: usize, h: usize, hkv: usize, d: usize, scale: f32,
    lo: usize, hi: usize, scratch: *mut f32,
) {
    let s = Shape::new(1, h, hkv, d);
    let rep = h / hkv;
    for u in lo..hi {
        let (i, g) = (u / hkv, u % hkv);
        let (b, pos) = (*rows.add(i) as usize, *positions.add(i) as usize);
        let base = b * tmax * hkv * d + g * d;
        let (k, v) = (kcache.add(base), vcache.add(base));
        core::ptr::copy_nonoverlapping(qkv.add(s.k(i, 0, g)), k.add(pos * hkv * d), d);
        core::ptr::copy_nonoverlapping(qkv.add(s.v(i, 0, g)), v.add(pos * hkv * d), d);
        for hq in g * rep..(g + 1) * rep {
            attend::<L>(out.add(s.o(i, 0, hq)), qkv.add(s.q(i, 0, hq)), k, v, hkv * d, pos + 1, d, scale, scratch);
        }
    }
}
