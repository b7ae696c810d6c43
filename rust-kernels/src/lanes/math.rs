//! What the kernels share, written once for every width: e^x and tanh
//! after Cephes' single-precision algorithms (core has neither in no_std),
//! the sigmoid, and the row primitives dot, axpy and scale.
use super::{each_vector, Lanes};

/// e^x per lane; relative error ~1e-7, inputs clamped to [-87.3, 88.3].
#[inline(always)]
pub unsafe fn exp<L: Lanes>(x: L::V) -> L::V {
    // Clamp by compare + select: f32x4.min/max cost ~6 x64 instructions each
    // in V8 for wasm's NaN rules. A NaN still comes through (comparisons fail).
    let (lo, hi) = (L::splat(-87.3), L::splat(88.3));
    let x = L::select(L::lt(x, lo), lo, x);
    let x = L::select(L::gt(x, hi), hi, x);
    let fx = L::floor(L::mul_add(x, L::splat(core::f32::consts::LOG2_E), L::splat(0.5)));
    // x − fx·ln2, with ln2 split in two so the product stays exact.
    let x = L::neg_mul_add(fx, L::splat(0.693359375), x);
    let x = L::neg_mul_add(fx, L::splat(-2.12194440e-4), x);
    let z = L::mul(x, x);
    let mut y = L::splat(1.9875691500e-4);
    y = L::mul_add(y, x, L::splat(1.3981999507e-3));
    y = L::mul_add(y, x, L::splat(8.3334519073e-3));
    y = L::mul_add(y, x, L::splat(4.1665795894e-2));
    y = L::mul_add(y, x, L::splat(1.6666665459e-1));
    y = L::mul_add(y, x, L::splat(5.0000001201e-1));
    y = L::add(L::mul_add(y, z, x), L::splat(1.0));
    L::mul(y, L::pow2(fx))
}

/// tanh per lane: 1 − 2/(e^{2|x|}+1) with x's sign, and the small-|x| range
/// by its odd polynomial so tiny inputs keep their relative precision.
#[inline(always)]
pub unsafe fn tanh<L: Lanes>(x: L::V) -> L::V {
    let ax = L::abs(x);
    let e = exp::<L>(L::mul(ax, L::splat(2.0)));
    let big = L::sub(L::splat(1.0), L::div(L::splat(2.0), L::add(e, L::splat(1.0))));
    let big = L::with_sign_of(big, x);
    let z = L::mul(x, x);
    let mut p = L::splat(-5.70498872745e-3);
    p = L::mul_add(p, z, L::splat(2.06390887954e-2));
    p = L::mul_add(p, z, L::splat(-5.37397155531e-2));
    p = L::mul_add(p, z, L::splat(1.33314422036e-1));
    p = L::mul_add(p, z, L::splat(-3.33332819422e-1));
    let small = L::mul_add(L::mul(p, z), x, x);
    L::select(L::lt(ax, L::splat(0.625)), small, big)
}

/// 1 / (1 + e^−x) per lane.
#[inline(always)]
pub unsafe fn sigmoid<L: Lanes>(x: L::V) -> L::V {
    L::div(L::splat(1.0), L::add(L::splat(1.0), exp::<L>(L::neg(x))))
}

/// Σ a[i]·b[i]: two accumulators, then a fixed reduction order.
#[inline(always)]
pub unsafe fn dot<L: Lanes>(a: *const f32, b: *const f32, n: usize) -> f32 {
    let (mut acc0, mut acc1) = (L::splat(0.0), L::splat(0.0));
    let mut i = 0;
    while i + 2 * L::N <= n {
        acc0 = L::mul_add(L::load(a.add(i)), L::load(b.add(i)), acc0);
        acc1 = L::mul_add(L::load(a.add(i + L::N)), L::load(b.add(i + L::N)), acc1);
        i += 2 * L::N;
    }
    if i + L::N <= n {
        acc0 = L::mul_add(L::load(a.add(i)), L::load(b.add(i)), acc0);
        i += L::N;
    }
    let mut s = L::hsum(L::add(acc0, acc1));
    while i < n {
        s += *a.add(i) * *b.add(i);
        i += 1;
    }
    s
}

/// y[i] += alpha·x[i], the tail through the same vector code.
#[inline(always)]
pub unsafe fn axpy<L: Lanes>(y: *mut f32, x: *const f32, alpha: f32, n: usize) {
    let va = L::splat(alpha);
    each_vector!(L, i, w in 0, n => {
        L::store_n(y.add(i), L::mul_add(va, L::load_n(x.add(i), w), L::load_n(y.add(i), w)), w);
    });
}

/// x[i] *= alpha.
#[inline(always)]
pub unsafe fn scale_by<L: Lanes>(x: *mut f32, alpha: f32, n: usize) {
    let va = L::splat(alpha);
    let mut i = 0;
    while i + L::N <= n {
        L::store(x.add(i), L::mul(L::load(x.add(i)), va));
        i += L::N;
    }
    while i < n {
        *x.add(i) *= alpha;
        i += 1;
    }
}
