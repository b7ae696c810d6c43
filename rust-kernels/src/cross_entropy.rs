//! Fused softmax + cross-entropy over logits[N,V] (units: rows), at the
//! CPU's full vector width (see `lanes`).
use crate::lanes::math::exp;
use crate::lanes::{each_vector, keep, widest, Lanes};
use crate::simd::log;

/// Returns (max, Σ exp(x - max)) of one row.
#[inline(always)]
unsafe fn row_stats<L: Lanes>(x: *const f32, v: usize) -> (f32, f32) {
    let mut vm = L::splat(f32::NEG_INFINITY);
    let mut i = 0;
    while i + L::N <= v {
        vm = L::max(vm, L::load(x.add(i)));
        i += L::N;
    }
    let mut m = L::hmax(vm);
    while i < v {
        if *x.add(i) > m {
            m = *x.add(i);
        }
        i += 1;
    }
    let vmax = L::splat(m);
    let mut acc = L::splat(0.0);
    each_vector!(L, i, n in 0, v => {
        acc = L::add(acc, keep::<L>(exp::<L>(L::sub(L::load_n(x.add(i), n), vmax)), n, 0.0));
    });
    (m, L::hsum(acc))
}

widest! {
    /// losses[n] = logsumexp(logits[n]) - logits[n, target], 0 where ignored;
    /// lse[n] = logsumexp(logits[n]) for the backward when `lse` is not null
    /// (0 on ignored rows).
    pub unsafe extern "C" fn kiln_cross_entropy(
        losses: *mut f32, logits: *const f32, targets: *const i32, v: usize, ignore: i32, lse: *mut f32, lo: usize, hi: usize,
    ) => cross_entropy;
}

#[inline(always)]
unsafe fn cross_entropy<L: Lanes>(
    losses: *mut f32, logits: *const f32, targets: *const i32, v: usize, ignore: i32, lse: *mut f32, lo: usize, hi: usize,
) {
    for r in lo..hi {
        let t = *targets.add(r);
        if t == ignore {
            *losses.add(r) = 0.0;
            if !lse.is_null() {
                *lse.add(r) = 0.0;
            }
            continue;
        }
        let x = logits.add(r * v);
        let (m, s) = row_stats::<L>(x, v);
        let l = m + log(s);
        *losses.add(r) = l - *x.add(t as usize);
        if !lse.is_null() {
            *lse.add(r) = l;
        }
    }
}

widest! {
    /// dlogits[n,:] += (softmax(logits[n]) - onehot(target)) · dloss[n]. With
    /// the forward's `lse` (not null) softmax is exp(x - lse) in one pass;
    /// without it the row's max and sum are recomputed first.
    pub unsafe extern "C" fn kiln_cross_entropy_backward(
        dlogits: *mut f32, logits: *const f32, targets: *const i32, dloss: *const f32, v: usize, ignore: i32, lse: *const f32,
        lo: usize, hi: usize,
    ) => cross_entropy_backward;
}

#[inline(always)]
unsafe fn cross_entropy_backward<L: Lanes>(
    dlogits: *mut f32, logits: *const f32, targets: *const i32, dloss: *const f32, v: usize, ignore: i32, lse: *const f32,
    lo: usize, hi: usize,
) {
    for r in lo..hi {
        let t = *targets.add(r);
        if t == ignore {
            continue;
        }
        let x = logits.add(r * v);
        let d = dlogits.add(r * v);
        let g = *dloss.add(r);
        // softmax = exp(x - shift) · scale
        let (shift, scale) = if lse.is_null() {
            let (m, s) = row_stats::<L>(x, v);
            (m, g / s)
        } else {
            (*lse.add(r), g)
        };
        let (vshift, vscale) = (L::splat(shift), L::splat(scale));
        each_vector!(L, i, n in 0, v => {
            let p = exp::<L>(L::sub(L::load_n(x.add(i), n), vshift));
            L::store_n(d.add(i), L::mul_add(p, vscale, L::load_n(d.add(i), n)), n);
        });
        *d.add(t as usize) -= g;
    }
}
