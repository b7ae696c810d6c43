//! f32x4 helpers for the 4-lane code (matmul's tile, quant, `lanes::V4`)
//! and the scalar log and sqrt `core` lacks in no_std (Cephes' logf).
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

/// Sum of a[i]*b[i] over 4 lanes (quant's dequantized rows).
#[inline(always)]
pub unsafe fn dot(a: *const f32, b: *const f32, n: usize) -> f32 {
    crate::lanes::math::dot::<crate::lanes::V4>(a, b, n)
}
