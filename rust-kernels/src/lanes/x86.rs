//! `Lanes` for x86_64's wide vectors with FMA: `Avx512` (16 lanes, mask
//! registers for tails and conditions) and `Avx2` (8 lanes). Their methods
//! run only inside `widest!`'s `#[target_feature]` wrappers, on CPUs that
//! `width()` found to have the features.
use super::Lanes;
use core::arch::x86_64::*;

#[derive(Clone, Copy)]
pub struct Avx512;

#[derive(Clone, Copy)]
pub struct Avx2;

/// (l0 + l2) + (l1 + l3), the order `V4`'s hsum uses.
#[inline(always)]
unsafe fn hsum4(x: __m128) -> f32 {
    let s = _mm_add_ps(x, _mm_movehl_ps(x, x));
    _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps::<0b01>(s, s)))
}

#[inline(always)]
unsafe fn hmax4(x: __m128) -> f32 {
    let s = _mm_max_ps(x, _mm_movehl_ps(x, x));
    _mm_cvtss_f32(_mm_max_ss(s, _mm_shuffle_ps::<0b01>(s, s)))
}

#[inline(always)]
unsafe fn halves512(v: __m512) -> (__m256, __m256) {
    (_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(v))))
}

#[inline(always)]
unsafe fn halves256(v: __m256) -> (__m128, __m128) {
    (_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v))
}

#[inline(always)]
fn mask16(n: usize) -> __mmask16 {
    if n >= 16 { 0xffff } else { ((1u32 << n) - 1) as __mmask16 }
}

#[inline(always)]
unsafe fn ints512(v: __m512) -> __m512i {
    _mm512_castps_si512(v)
}

impl Lanes for Avx512 {
    type V = __m512;
    type M = __mmask16;
    const N: usize = 16;

    #[inline(always)]
    unsafe fn splat(x: f32) -> __m512 {
        _mm512_set1_ps(x)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m512 {
        _mm512_loadu_ps(p)
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m512) {
        _mm512_storeu_ps(p, v)
    }
    #[inline(always)]
    unsafe fn load_n(p: *const f32, n: usize) -> __m512 {
        if n >= 16 { _mm512_loadu_ps(p) } else { _mm512_maskz_loadu_ps(mask16(n), p) }
    }
    #[inline(always)]
    unsafe fn store_n(p: *mut f32, v: __m512, n: usize) {
        if n >= 16 { _mm512_storeu_ps(p, v) } else { _mm512_mask_storeu_ps(p, mask16(n), v) }
    }
    #[inline(always)]
    unsafe fn first_n(n: usize) -> __mmask16 {
        mask16(n)
    }
    #[inline(always)]
    unsafe fn add(a: __m512, b: __m512) -> __m512 {
        _mm512_add_ps(a, b)
    }
    #[inline(always)]
    unsafe fn sub(a: __m512, b: __m512) -> __m512 {
        _mm512_sub_ps(a, b)
    }
    #[inline(always)]
    unsafe fn mul(a: __m512, b: __m512) -> __m512 {
        _mm512_mul_ps(a, b)
    }
    #[inline(always)]
    unsafe fn div(a: __m512, b: __m512) -> __m512 {
        _mm512_div_ps(a, b)
    }
    #[inline(always)]
    unsafe fn mul_add(a: __m512, b: __m512, c: __m512) -> __m512 {
        _mm512_fmadd_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn neg_mul_add(a: __m512, b: __m512, c: __m512) -> __m512 {
        _mm512_fnmadd_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn max(a: __m512, b: __m512) -> __m512 {
        _mm512_max_ps(a, b)
    }
    #[inline(always)]
    unsafe fn sqrt(a: __m512) -> __m512 {
        _mm512_sqrt_ps(a)
    }
    #[inline(always)]
    unsafe fn abs(a: __m512) -> __m512 {
        _mm512_abs_ps(a)
    }
    #[inline(always)]
    unsafe fn neg(a: __m512) -> __m512 {
        // xor_ps is AVX512DQ; the integer xor is in F.
        _mm512_castsi512_ps(_mm512_xor_si512(ints512(a), _mm512_set1_epi32(i32::MIN)))
    }
    #[inline(always)]
    unsafe fn floor(a: __m512) -> __m512 {
        // Round toward -inf (1), precision exception suppressed (8).
        _mm512_roundscale_ps::<0x09>(a)
    }
    #[inline(always)]
    unsafe fn with_sign_of(v: __m512, s: __m512) -> __m512 {
        let sign = _mm512_and_si512(ints512(s), _mm512_set1_epi32(i32::MIN));
        _mm512_castsi512_ps(_mm512_or_si512(ints512(v), sign))
    }
    #[inline(always)]
    unsafe fn pow2(k: __m512) -> __m512 {
        let biased = _mm512_add_epi32(_mm512_cvtps_epi32(k), _mm512_set1_epi32(127));
        _mm512_castsi512_ps(_mm512_slli_epi32::<23>(biased))
    }
    #[inline(always)]
    unsafe fn lt(a: __m512, b: __m512) -> __mmask16 {
        _mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b)
    }
    #[inline(always)]
    unsafe fn gt(a: __m512, b: __m512) -> __mmask16 {
        _mm512_cmp_ps_mask::<_CMP_GT_OQ>(a, b)
    }
    #[inline(always)]
    unsafe fn select(m: __mmask16, a: __m512, b: __m512) -> __m512 {
        _mm512_mask_blend_ps(m, b, a)
    }
    #[inline(always)]
    unsafe fn hsum(v: __m512) -> f32 {
        let (lo, hi) = halves512(v);
        let (lo, hi) = halves256(_mm256_add_ps(lo, hi));
        hsum4(_mm_add_ps(lo, hi))
    }
    #[inline(always)]
    unsafe fn hmax(v: __m512) -> f32 {
        let (lo, hi) = halves512(v);
        let (lo, hi) = halves256(_mm256_max_ps(lo, hi));
        hmax4(_mm_max_ps(lo, hi))
    }
}

/// Lanes 0..n of an 8-lane mask (n ≤ 8), as maskload/maskstore/and take it.
#[inline(always)]
unsafe fn mask8(n: usize) -> __m256i {
    _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
}

impl Lanes for Avx2 {
    type V = __m256;
    type M = __m256;
    const N: usize = 8;

    #[inline(always)]
    unsafe fn splat(x: f32) -> __m256 {
        _mm256_set1_ps(x)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m256 {
        _mm256_loadu_ps(p)
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m256) {
        _mm256_storeu_ps(p, v)
    }
    #[inline(always)]
    unsafe fn load_n(p: *const f32, n: usize) -> __m256 {
        if n >= 8 { _mm256_loadu_ps(p) } else { _mm256_maskload_ps(p, mask8(n)) }
    }
    #[inline(always)]
    unsafe fn store_n(p: *mut f32, v: __m256, n: usize) {
        if n >= 8 { _mm256_storeu_ps(p, v) } else { _mm256_maskstore_ps(p, mask8(n), v) }
    }
    #[inline(always)]
    unsafe fn first_n(n: usize) -> __m256 {
        _mm256_castsi256_ps(mask8(n))
    }
    #[inline(always)]
    unsafe fn add(a: __m256, b: __m256) -> __m256 {
        _mm256_add_ps(a, b)
    }
    #[inline(always)]
    unsafe fn sub(a: __m256, b: __m256) -> __m256 {
        _mm256_sub_ps(a, b)
    }
    #[inline(always)]
    unsafe fn mul(a: __m256, b: __m256) -> __m256 {
        _mm256_mul_ps(a, b)
    }
    #[inline(always)]
    unsafe fn div(a: __m256, b: __m256) -> __m256 {
        _mm256_div_ps(a, b)
    }
    #[inline(always)]
    unsafe fn mul_add(a: __m256, b: __m256, c: __m256) -> __m256 {
        _mm256_fmadd_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn neg_mul_add(a: __m256, b: __m256, c: __m256) -> __m256 {
        _mm256_fnmadd_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn max(a: __m256, b: __m256) -> __m256 {
        _mm256_max_ps(a, b)
    }
    #[inline(always)]
    unsafe fn sqrt(a: __m256) -> __m256 {
        _mm256_sqrt_ps(a)
    }
    #[inline(always)]
    unsafe fn abs(a: __m256) -> __m256 {
        _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(i32::MAX)))
    }
    #[inline(always)]
    unsafe fn neg(a: __m256) -> __m256 {
        _mm256_xor_ps(a, _mm256_set1_ps(-0.0))
    }
    #[inline(always)]
    unsafe fn floor(a: __m256) -> __m256 {
        _mm256_floor_ps(a)
    }
    #[inline(always)]
    unsafe fn with_sign_of(v: __m256, s: __m256) -> __m256 {
        _mm256_or_ps(v, _mm256_and_ps(s, _mm256_set1_ps(-0.0)))
    }
    #[inline(always)]
    unsafe fn pow2(k: __m256) -> __m256 {
        let biased = _mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127));
        _mm256_castsi256_ps(_mm256_slli_epi32::<23>(biased))
    }
    #[inline(always)]
    unsafe fn lt(a: __m256, b: __m256) -> __m256 {
        _mm256_cmp_ps::<_CMP_LT_OQ>(a, b)
    }
    #[inline(always)]
    unsafe fn gt(a: __m256, b: __m256) -> __m256 {
        _mm256_cmp_ps::<_CMP_GT_OQ>(a, b)
    }
    #[inline(always)]
    unsafe fn select(m: __m256, a: __m256, b: __m256) -> __m256 {
        _mm256_blendv_ps(b, a, m)
    }
    #[inline(always)]
    unsafe fn hsum(v: __m256) -> f32 {
        let (lo, hi) = halves256(v);
        hsum4(_mm_add_ps(lo, hi))
    }
    #[inline(always)]
    unsafe fn hmax(v: __m256) -> f32 {
        let (lo, hi) = halves256(v);
        hmax4(_mm_max_ps(lo, hi))
    }
}
