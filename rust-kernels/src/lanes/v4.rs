//! `Lanes` over the 4-lane API of `crate::v4`: wasm's simd128 itself on
//! wasm32, SSE natively (the fallback where AVX2 + FMA are missing). No FMA:
//! `mul_add` is a multiply then an add, as the kernels always computed it.
use super::Lanes;
use crate::v4::*;

#[derive(Clone, Copy)]
pub struct V4;

impl Lanes for V4 {
    type V = v128;
    type M = v128;
    const N: usize = 4;

    #[inline(always)]
    unsafe fn splat(x: f32) -> v128 {
        f32x4_splat(x)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> v128 {
        v128_load(p as *const v128)
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: v128) {
        v128_store(p as *mut v128, v)
    }
    #[inline(always)]
    unsafe fn load_n(p: *const f32, n: usize) -> v128 {
        if n >= 4 {
            return Self::load(p);
        }
        let mut b = [0.0f32; 4];
        for (j, x) in b.iter_mut().enumerate().take(n) {
            *x = *p.add(j);
        }
        Self::load(b.as_ptr())
    }
    #[inline(always)]
    unsafe fn store_n(p: *mut f32, v: v128, n: usize) {
        if n >= 4 {
            return Self::store(p, v);
        }
        let mut b = [0.0f32; 4];
        Self::store(b.as_mut_ptr(), v);
        for (j, x) in b.iter().enumerate().take(n) {
            *p.add(j) = *x;
        }
    }
    #[inline(always)]
    unsafe fn first_n(n: usize) -> v128 {
        let iota = [0.0f32, 1.0, 2.0, 3.0];
        f32x4_lt(Self::load(iota.as_ptr()), f32x4_splat(n as f32))
    }
    #[inline(always)]
    unsafe fn add(a: v128, b: v128) -> v128 {
        f32x4_add(a, b)
    }
    #[inline(always)]
    unsafe fn sub(a: v128, b: v128) -> v128 {
        f32x4_sub(a, b)
    }
    #[inline(always)]
    unsafe fn mul(a: v128, b: v128) -> v128 {
        f32x4_mul(a, b)
    }
    #[inline(always)]
    unsafe fn div(a: v128, b: v128) -> v128 {
        f32x4_div(a, b)
    }
    #[inline(always)]
    unsafe fn mul_add(a: v128, b: v128, c: v128) -> v128 {
        f32x4_add(f32x4_mul(a, b), c)
    }
    #[inline(always)]
    unsafe fn neg_mul_add(a: v128, b: v128, c: v128) -> v128 {
        f32x4_sub(c, f32x4_mul(a, b))
    }
    #[inline(always)]
    unsafe fn max(a: v128, b: v128) -> v128 {
        f32x4_max(a, b)
    }
    #[inline(always)]
    unsafe fn sqrt(a: v128) -> v128 {
        f32x4_sqrt(a)
    }
    #[inline(always)]
    unsafe fn abs(a: v128) -> v128 {
        f32x4_abs(a)
    }
    #[inline(always)]
    unsafe fn neg(a: v128) -> v128 {
        f32x4_neg(a)
    }
    #[inline(always)]
    unsafe fn floor(a: v128) -> v128 {
        f32x4_floor(a)
    }
    #[inline(always)]
    unsafe fn with_sign_of(v: v128, s: v128) -> v128 {
        v128_or(v, v128_and(s, f32x4_splat(-0.0)))
    }
    #[inline(always)]
    unsafe fn pow2(k: v128) -> v128 {
        // k + 127 is an integer in [1, 254]: added to 2^23 its value is the
        // low mantissa bits, cheaper in V8 than i32x4.trunc_sat (a long
        // sequence); shifted into the exponent field it is 2^k.
        let biased = i32x4_sub(f32x4_add(k, f32x4_splat(8388608.0 + 127.0)), f32x4_splat(8388608.0));
        i32x4_shl(biased, 23)
    }
    #[inline(always)]
    unsafe fn lt(a: v128, b: v128) -> v128 {
        f32x4_lt(a, b)
    }
    #[inline(always)]
    unsafe fn gt(a: v128, b: v128) -> v128 {
        f32x4_gt(a, b)
    }
    #[inline(always)]
    unsafe fn select(m: v128, a: v128, b: v128) -> v128 {
        v128_bitselect(a, b, m)
    }
    #[inline(always)]
    unsafe fn hsum(v: v128) -> f32 {
        crate::simd::hsum(v)
    }
    #[inline(always)]
    unsafe fn hmax(v: v128) -> f32 {
        crate::simd::hmax(v)
    }
}
