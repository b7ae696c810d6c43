//! f32x4 helpers and the transcendental functions `core` lacks in no_std
//! (exp, log, tanh, sqrt), after Cephes' single-precision algorithms.
use crate::v4::*;

#[inline(always)]
pub unsafe fn ld(p: *const f32) -> v128 {
    v128_load(p as *const v128)
}

#[inline(always)]
pub unsafe fn st(p: *mut f32, v: v128) {
    v128_store(p as *mut v128, v)
}

#[inline(always)]
pub fn hsum(v: v128) -> f32 {
    // Fixed pairing order: (l0 + l2) + (l1 + l3).
    let s = f32x4_add(v, i32x4_shuffle::<2, 3, 0, 1>(v, v));
    f32x4_extract_lane::<0>(s) + f32x4_extract_lane::<1>(s)
}

#[inline(always)]
pub fn hmax(v: v128) -> f32 {
    let s = f32x4_max(v, i32x4_shuffle::<2, 3, 0, 1>(v, v));
    let a = f32x4_extract_lane::<0>(s);
    let b = f32x4_extract_lane::<1>(s);
    if a > b { a } else { b }
}

#[inline(always)]
pub fn sqrt(x: f32) -> f32 {
    f32x4_extract_lane::<0>(f32x4_sqrt(f32x4_splat(x)))
}

/// e^x for four lanes; relative error ~1e-7, inputs clamped to [-88, 88].
#[inline(always)]
pub fn exp4(x: v128) -> v128 {
    // Clamp by compare + select: f32x4.min/max cost ~6 x64 instructions each
    // in V8 for wasm's NaN rules. A NaN still comes through (comparisons fail).
    let (lo, hi) = (f32x4_splat(-87.3), f32x4_splat(88.3));
    let x = v128_bitselect(lo, x, f32x4_lt(x, lo));
    let x = v128_bitselect(hi, x, f32x4_gt(x, hi));
    let fx = f32x4_floor(f32x4_add(f32x4_mul(x, f32x4_splat(core::f32::consts::LOG2_E)), f32x4_splat(0.5)));
    let x = f32x4_sub(x, f32x4_mul(fx, f32x4_splat(0.693359375)));
    let x = f32x4_sub(x, f32x4_mul(fx, f32x4_splat(-2.12194440e-4)));
    let z = f32x4_mul(x, x);
    let mut y = f32x4_splat(1.9875691500e-4);
    y = f32x4_add(f32x4_mul(y, x), f32x4_splat(1.3981999507e-3));
    y = f32x4_add(f32x4_mul(y, x), f32x4_splat(8.3334519073e-3));
    y = f32x4_add(f32x4_mul(y, x), f32x4_splat(4.1665795894e-2));
    y = f32x4_add(f32x4_mul(y, x), f32x4_splat(1.6666665459e-1));
    y = f32x4_add(f32x4_mul(y, x), f32x4_splat(5.0000001201e-1));
    y = f32x4_add(f32x4_add(f32x4_mul(y, z), x), f32x4_splat(1.0));
    // Scale by 2^fx through the exponent bits.
    // fx + 127 is an integer in [1, 255]: added to 2^23 its value is the low
    // mantissa bits, cheaper in V8 than i32x4.trunc_sat (a long sequence).
    let biased = i32x4_sub(f32x4_add(fx, f32x4_splat(8388608.0 + 127.0)), f32x4_splat(8388608.0));
    let pow2 = i32x4_shl(biased, 23);
    f32x4_mul(y, pow2)
}

#[inline(always)]
pub fn exp(x: f32) -> f32 {
    f32x4_extract_lane::<0>(exp4(f32x4_splat(x)))
}

/// Natural log of a positive finite f32 (Cephes logf); log(0) = -inf.
pub fn log(x: f32) -> f32 {
    if x <= 0.0 {
        return if x == 0.0 { f32::NEG_INFINITY } else { f32::NAN };
    }
    if x == f32::INFINITY {
        return x;
    }
    let mut bits = x.to_bits();
    let mut e: i32 = 0;
    if bits < 0x0080_0000 {
        // Subnormal: scale up by 2^23 first.
        bits = (x * 8388608.0).to_bits();
        e = -23;
    }
    e += ((bits >> 23) as i32) - 126;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f00_0000); // [0.5, 1)
    if m < 0.707106781186547524 {
        e -= 1;
        m = m + m - 1.0;
    } else {
        m -= 1.0;
    }
    let z = m * m;
    let mut y = 7.0376836292e-2f32;
    y = y * m - 1.1514610310e-1;
    y = y * m + 1.1676998740e-1;
    y = y * m - 1.2420140846e-1;
    y = y * m + 1.4249322787e-1;
    y = y * m - 1.6668057665e-1;
    y = y * m + 2.0000714765e-1;
    y = y * m - 2.4999993993e-1;
    y = y * m + 3.3333331174e-1;
    y = y * m * z;
    let ef = e as f32;
    y += -2.12194440e-4 * ef;
    y += -0.5 * z;
    m + y + 0.693359375 * ef
}

/// tanh for four lanes: 1 - 2/(e^{2x}+1), with the small-|x| range done by
/// its odd polynomial so tiny inputs keep their relative precision.
#[inline(always)]
pub fn tanh4(x: v128) -> v128 {
    let ax = f32x4_abs(x);
    let e = exp4(f32x4_mul(ax, f32x4_splat(2.0)));
    let big = f32x4_sub(f32x4_splat(1.0), f32x4_div(f32x4_splat(2.0), f32x4_add(e, f32x4_splat(1.0))));
    let big = v128_or(big, v128_and(x, f32x4_splat(-0.0))); // copy the sign
    let z = f32x4_mul(x, x);
    let mut p = f32x4_splat(-5.70498872745e-3);
    p = f32x4_add(f32x4_mul(p, z), f32x4_splat(2.06390887954e-2));
    p = f32x4_add(f32x4_mul(p, z), f32x4_splat(-5.37397155531e-2));
    p = f32x4_add(f32x4_mul(p, z), f32x4_splat(1.33314422036e-1));
    p = f32x4_add(f32x4_mul(p, z), f32x4_splat(-3.33332819422e-1));
    let small = f32x4_add(f32x4_mul(f32x4_mul(p, z), x), x);
    v128_bitselect(small, big, f32x4_lt(ax, f32x4_splat(0.625)))
}

/// Sum of a[i]*b[i], four lanes then a fixed reduction order.
#[inline(always)]
pub unsafe fn dot(a: *const f32, b: *const f32, n: usize) -> f32 {
    let mut acc0 = f32x4_splat(0.0);
    let mut acc1 = f32x4_splat(0.0);
    let mut i = 0;
    while i + 8 <= n {
        acc0 = f32x4_add(acc0, f32x4_mul(ld(a.add(i)), ld(b.add(i))));
        acc1 = f32x4_add(acc1, f32x4_mul(ld(a.add(i + 4)), ld(b.add(i + 4))));
        i += 8;
    }
    if i + 4 <= n {
        acc0 = f32x4_add(acc0, f32x4_mul(ld(a.add(i)), ld(b.add(i))));
        i += 4;
    }
    let mut s = hsum(f32x4_add(acc0, acc1));
    while i < n {
        s += *a.add(i) * *b.add(i);
        i += 1;
    }
    s
}

/// y[i] += alpha * x[i].
#[inline(always)]
pub unsafe fn axpy(y: *mut f32, x: *const f32, alpha: f32, n: usize) {
    let va = f32x4_splat(alpha);
    let mut i = 0;
    while i + 4 <= n {
        st(y.add(i), f32x4_add(ld(y.add(i)), f32x4_mul(va, ld(x.add(i)))));
        i += 4;
    }
    while i < n {
        *y.add(i) += alpha * *x.add(i);
        i += 1;
    }
}

/// x[i] *= alpha.
#[inline(always)]
pub unsafe fn scale_by(x: *mut f32, alpha: f32, n: usize) {
    let va = f32x4_splat(alpha);
    let mut i = 0;
    while i + 4 <= n {
        st(x.add(i), f32x4_mul(ld(x.add(i)), va));
        i += 4;
    }
    while i < n {
        *x.add(i) *= alpha;
        i += 1;
    }
}
