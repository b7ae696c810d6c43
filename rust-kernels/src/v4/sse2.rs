//! wasm simd128 names on x86_64's SSE: baseline SSE2 in the portable addon,
//! VEX-encoded (AVX2 + SSE4.1's roundps) in the x86-64-v3 addon, which the
//! loader picks on CPUs that have it. Rare byte shuffles and shifts (int4
//! dequantization only) are lanes.rs's, on the same 16 bytes.
#![allow(non_camel_case_types)]
use super::lanes;
use core::arch::x86_64::*;

pub type v128 = __m128;

#[inline(always)]
fn ints(v: v128) -> __m128i {
    unsafe { _mm_castps_si128(v) }
}
#[inline(always)]
fn floats(v: __m128i) -> v128 {
    unsafe { _mm_castsi128_ps(v) }
}
#[inline(always)]
fn words(v: v128) -> [u32; 4] {
    unsafe { core::mem::transmute(v) }
}
/// The same 16 bytes as the lane-array type whose byte shuffles sse2 borrows.
#[inline(always)]
fn to_lanes(v: v128) -> lanes::v128 {
    unsafe { core::mem::transmute(v) }
}
#[inline(always)]
fn from_lanes(v: lanes::v128) -> v128 {
    unsafe { core::mem::transmute(v) }
}

#[inline(always)]
pub unsafe fn v128_load(p: *const v128) -> v128 {
    _mm_loadu_ps(p as *const f32)
}
#[inline(always)]
pub unsafe fn v128_store(p: *mut v128, v: v128) {
    _mm_storeu_ps(p as *mut f32, v)
}
#[inline(always)]
pub unsafe fn v128_load32_splat(p: *const u32) -> v128 {
    _mm_set1_ps(f32::from_bits(core::ptr::read_unaligned(p)))
}
#[inline(always)]
pub unsafe fn v128_load32_zero(p: *const u32) -> v128 {
    floats(_mm_cvtsi32_si128(core::ptr::read_unaligned(p) as i32))
}
#[inline(always)]
pub fn f32x4_splat(x: f32) -> v128 {
    unsafe { _mm_set1_ps(x) }
}
#[inline(always)]
pub fn i32x4_splat(x: i32) -> v128 {
    unsafe { floats(_mm_set1_epi32(x)) }
}
#[inline(always)]
pub fn u8x16_splat(x: u8) -> v128 {
    unsafe { floats(_mm_set1_epi8(x as i8)) }
}
#[inline(always)]
pub fn f32x4_extract_lane<const N: usize>(a: v128) -> f32 {
    f32::from_bits(words(a)[N])
}
#[inline(always)]
pub fn f32x4_add(a: v128, b: v128) -> v128 {
    unsafe { _mm_add_ps(a, b) }
}
#[inline(always)]
pub fn f32x4_sub(a: v128, b: v128) -> v128 {
    unsafe { _mm_sub_ps(a, b) }
}
#[inline(always)]
pub fn f32x4_mul(a: v128, b: v128) -> v128 {
    unsafe { _mm_mul_ps(a, b) }
}
#[inline(always)]
pub fn f32x4_div(a: v128, b: v128) -> v128 {
    unsafe { _mm_div_ps(a, b) }
}
/// Not wasm's NaN-propagating max for a NaN in `b` (maxps returns b's lane
/// then); the kernels use it for row maxima of finite values.
#[inline(always)]
pub fn f32x4_max(a: v128, b: v128) -> v128 {
    unsafe { _mm_max_ps(a, b) }
}
#[inline(always)]
pub fn f32x4_sqrt(a: v128) -> v128 {
    unsafe { _mm_sqrt_ps(a) }
}
/// floor: roundps where the build has SSE4.1 (the x86-64-v3 addon).
#[cfg(target_feature = "sse4.1")]
#[inline(always)]
pub fn f32x4_floor(a: v128) -> v128 {
    unsafe { _mm_floor_ps(a) }
}
/// floor for |x| < 2^31 on plain SSE2 (no roundps): truncate, then step down
/// where truncation went up. Larger magnitudes are already integers and are
/// returned as they are.
#[cfg(not(target_feature = "sse4.1"))]
#[inline(always)]
pub fn f32x4_floor(a: v128) -> v128 {
    unsafe {
        let t = _mm_cvtepi32_ps(_mm_cvttps_epi32(a));
        let t = _mm_sub_ps(t, _mm_and_ps(_mm_cmpgt_ps(t, a), _mm_set1_ps(1.0)));
        let big = _mm_cmpge_ps(f32x4_abs(a), _mm_set1_ps(2147483648.0));
        v128_bitselect(a, t, big)
    }
}
#[inline(always)]
pub fn f32x4_abs(a: v128) -> v128 {
    unsafe { _mm_and_ps(a, floats(_mm_set1_epi32(0x7fff_ffff))) }
}
#[inline(always)]
pub fn f32x4_neg(a: v128) -> v128 {
    unsafe { _mm_xor_ps(a, _mm_set1_ps(-0.0)) }
}
#[inline(always)]
pub fn f32x4_lt(a: v128, b: v128) -> v128 {
    unsafe { _mm_cmplt_ps(a, b) }
}
#[inline(always)]
pub fn f32x4_gt(a: v128, b: v128) -> v128 {
    unsafe { _mm_cmpgt_ps(a, b) }
}
#[inline(always)]
pub fn v128_and(a: v128, b: v128) -> v128 {
    unsafe { _mm_and_ps(a, b) }
}
#[inline(always)]
pub fn v128_or(a: v128, b: v128) -> v128 {
    unsafe { _mm_or_ps(a, b) }
}
/// Bits of `a` where `m` is set, of `b` elsewhere.
#[inline(always)]
pub fn v128_bitselect(a: v128, b: v128, m: v128) -> v128 {
    unsafe { _mm_or_ps(_mm_and_ps(a, m), _mm_andnot_ps(m, b)) }
}
#[inline(always)]
pub fn i32x4_add(a: v128, b: v128) -> v128 {
    unsafe { floats(_mm_add_epi32(ints(a), ints(b))) }
}
#[inline(always)]
pub fn i32x4_sub(a: v128, b: v128) -> v128 {
    unsafe { floats(_mm_sub_epi32(ints(a), ints(b))) }
}
#[inline(always)]
pub fn i32x4_shl(a: v128, n: u32) -> v128 {
    unsafe { floats(_mm_sll_epi32(ints(a), _mm_cvtsi32_si128((n & 31) as i32))) }
}
#[inline(always)]
pub fn u8x16_shr(a: v128, n: u32) -> v128 {
    from_lanes(lanes::u8x16_shr(to_lanes(a), n))
}
#[inline(always)]
pub fn i32x4_shuffle<const I0: usize, const I1: usize, const I2: usize, const I3: usize>(a: v128, b: v128) -> v128 {
    from_lanes(lanes::i32x4_shuffle::<I0, I1, I2, I3>(to_lanes(a), to_lanes(b)))
}
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn i8x16_shuffle<
    const I0: usize, const I1: usize, const I2: usize, const I3: usize,
    const I4: usize, const I5: usize, const I6: usize, const I7: usize,
    const I8: usize, const I9: usize, const I10: usize, const I11: usize,
    const I12: usize, const I13: usize, const I14: usize, const I15: usize,
>(a: v128, b: v128) -> v128 {
    from_lanes(lanes::i8x16_shuffle::<I0, I1, I2, I3, I4, I5, I6, I7, I8, I9, I10, I11, I12, I13, I14, I15>(
        to_lanes(a),
        to_lanes(b),
    ))
}
#[inline(always)]
pub fn i16x8_extend_low_i8x16(a: v128) -> v128 {
    unsafe { floats(_mm_srai_epi16(_mm_unpacklo_epi8(ints(a), ints(a)), 8)) }
}
#[inline(always)]
pub fn u16x8_extend_low_u8x16(a: v128) -> v128 {
    unsafe { floats(_mm_unpacklo_epi8(ints(a), _mm_setzero_si128())) }
}
#[inline(always)]
pub fn i32x4_extend_low_i16x8(a: v128) -> v128 {
    unsafe { floats(_mm_srai_epi32(_mm_unpacklo_epi16(ints(a), ints(a)), 16)) }
}
#[inline(always)]
pub fn u32x4_extend_low_u16x8(a: v128) -> v128 {
    unsafe { floats(_mm_unpacklo_epi16(ints(a), _mm_setzero_si128())) }
}
#[inline(always)]
pub fn u32x4_extend_high_u16x8(a: v128) -> v128 {
    unsafe { floats(_mm_unpackhi_epi16(ints(a), _mm_setzero_si128())) }
}
