//! Fused softmax + cross-entropy over logits[N,V] (units: rows).
use crate::simd::{exp4, hmax, hsum, ld, log, st};
use crate::v4::*;

/// Returns (max, Σ exp(x - max)) of one row.
#[inline(always)]
unsafe fn row_stats(x: *const f32, v: usize) -> (f32, f32) {
    let mut vm = f32x4_splat(f32::NEG_INFINITY);
    let mut i = 0;
    while i + 4 <= v {
        vm = f32x4_max(vm, ld(x.add(i)));
        i += 4;
    }
    let mut m = hmax(vm);
    while i < v {
        if *x.add(i) > m {
            m = *x.add(i);
        }
        i += 1;
    }
    let vmax = f32x4_splat(m);
    let mut acc = f32x4_splat(0.0);
    let mut i = 0;
    while i + 4 <= v {
        acc = f32x4_add(acc, exp4(f32x4_sub(ld(x.add(i)), vmax)));
        i += 4;
    }
    let mut s = hsum(acc);
    while i < v {
        s += f32x4_extract_lane::<0>(exp4(f32x4_splat(*x.add(i) - m)));
        i += 1;
    }
    (m, s)
}

/// losses[n] = logsumexp(logits[n]) - logits[n, target], 0 where ignored;
/// lse[n] = logsumexp(logits[n]) for the backward when `lse` is not null
/// (0 on ignored rows).
#[no_mangle]
pub unsafe extern "C" fn kiln_cross_entropy(
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
        let (m, s) = row_stats(x, v);
        let l = m + log(s);
        *losses.add(r) = l - *x.add(t as usize);
        if !lse.is_null() {
            *lse.add(r) = l;
        }
    }
}

/// dlogits[n,:] += (softmax(logits[n]) - onehot(target)) · dloss[n]. With
/// the forward's `lse` (not null) softmax is exp(x - lse) in one pass;
/// without it the row's max and sum are recomputed first.
#[no_mangle]
pub unsafe extern "C" fn kiln_cross_entropy_backward(
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
            let (m, s) = row_stats(x, v);
            (m, g / s)
        } else {
            (*lse.add(r), g)
        };
        let (vshift, vscale) = (f32x4_splat(shift), f32x4_splat(scale));
        let mut i = 0;
        while i + 4 <= v {
            let p = f32x4_mul(exp4(f32x4_sub(ld(x.add(i)), vshift)), vscale);
            st(d.add(i), f32x4_add(ld(d.add(i)), p));
            i += 4;
        }
        while i < v {
            *d.add(i) += f32x4_extract_lane::<0>(exp4(f32x4_splat(*x.add(i) - shift))) * scale;
            i += 1;
        }
        *d.add(t as usize) -= g;
    }
}
