//! Portable 4-lane vectors: wasm simd128 semantics on plain arrays, for
//! targets without a hand-mapped instruction set (LLVM vectorizes these).
#![allow(non_camel_case_types)]

#[derive(Clone, Copy)]
#[repr(C, align(16))]
pub struct v128([u32; 4]);

#[inline(always)]
fn f(v: v128) -> [f32; 4] {
    [f32::from_bits(v.0[0]), f32::from_bits(v.0[1]), f32::from_bits(v.0[2]), f32::from_bits(v.0[3])]
}
#[inline(always)]
fn from_f(x: [f32; 4]) -> v128 {
    v128([x[0].to_bits(), x[1].to_bits(), x[2].to_bits(), x[3].to_bits()])
}
#[inline(always)]
fn bytes(v: v128) -> [u8; 16] {
    unsafe { core::mem::transmute(v) }
}
#[inline(always)]
fn from_bytes(b: [u8; 16]) -> v128 {
    unsafe { core::mem::transmute(b) }
}
#[inline(always)]
fn halves(v: v128) -> [u16; 8] {
    unsafe { core::mem::transmute(v) }
}
#[inline(always)]
fn from_halves(h: [u16; 8]) -> v128 {
    unsafe { core::mem::transmute(h) }
}
#[inline(always)]
fn map(a: v128, op: impl Fn(f32) -> f32) -> v128 {
    let x = f(a);
    from_f([op(x[0]), op(x[1]), op(x[2]), op(x[3])])
}
#[inline(always)]
fn zip(a: v128, b: v128, op: impl Fn(f32, f32) -> f32) -> v128 {
    let (x, y) = (f(a), f(b));
    from_f([op(x[0], y[0]), op(x[1], y[1]), op(x[2], y[2]), op(x[3], y[3])])
}
#[inline(always)]
fn zip_u32(a: v128, b: v128, op: impl Fn(u32, u32) -> u32) -> v128 {
    v128([op(a.0[0], b.0[0]), op(a.0[1], b.0[1]), op(a.0[2], b.0[2]), op(a.0[3], b.0[3])])
}
#[inline(always)]
fn mask(c: bool) -> u32 {
    if c { u32::MAX } else { 0 }
}

#[inline(always)]
pub unsafe fn v128_load(p: *const v128) -> v128 {
    core::ptr::read_unaligned(p)
}
#[inline(always)]
pub unsafe fn v128_store(p: *mut v128, v: v128) {
    core::ptr::write_unaligned(p, v)
}
#[inline(always)]
pub unsafe fn v128_load32_splat(p: *const u32) -> v128 {
    let x = core::ptr::read_unaligned(p);
    v128([x; 4])
}
#[inline(always)]
pub unsafe fn v128_load32_zero(p: *const u32) -> v128 {
    v128([core::ptr::read_unaligned(p), 0, 0, 0])
}
#[inline(always)]
pub fn f32x4_splat(x: f32) -> v128 {
    v128([x.to_bits(); 4])
}
#[inline(always)]
pub fn i32x4_splat(x: i32) -> v128 {
    v128([x as u32; 4])
}
#[inline(always)]
pub fn u8x16_splat(x: u8) -> v128 {
    from_bytes([x; 16])
}
#[inline(always)]
pub fn f32x4_extract_lane<const N: usize>(a: v128) -> f32 {
    f(a)[N]
}
#[inline(always)]
pub fn f32x4_add(a: v128, b: v128) -> v128 {
    zip(a, b, |x, y| x + y)
}
#[inline(always)]
pub fn f32x4_sub(a: v128, b: v128) -> v128 {
    zip(a, b, |x, y| x - y)
}
#[inline(always)]
pub fn f32x4_mul(a: v128, b: v128) -> v128 {
    zip(a, b, |x, y| x * y)
}
#[inline(always)]
pub fn f32x4_div(a: v128, b: v128) -> v128 {
    zip(a, b, |x, y| x / y)
}
#[inline(always)]
pub fn f32x4_max(a: v128, b: v128) -> v128 {
    zip(a, b, |x, y| if x.is_nan() || y.is_nan() { f32::NAN } else if x > y { x } else { y })
}
#[inline(always)]
pub fn f32x4_sqrt(a: v128) -> v128 {
    map(a, f32::sqrt)
}
#[inline(always)]
pub fn f32x4_floor(a: v128) -> v128 {
    map(a, f32::floor)
}
#[inline(always)]
pub fn f32x4_abs(a: v128) -> v128 {
    v128([a.0[0] & 0x7fff_ffff, a.0[1] & 0x7fff_ffff, a.0[2] & 0x7fff_ffff, a.0[3] & 0x7fff_ffff])
}
#[inline(always)]
pub fn f32x4_neg(a: v128) -> v128 {
    v128([a.0[0] ^ 0x8000_0000, a.0[1] ^ 0x8000_0000, a.0[2] ^ 0x8000_0000, a.0[3] ^ 0x8000_0000])
}
#[inline(always)]
pub fn f32x4_lt(a: v128, b: v128) -> v128 {
    let (x, y) = (f(a), f(b));
    v128([mask(x[0] < y[0]), mask(x[1] < y[1]), mask(x[2] < y[2]), mask(x[3] < y[3])])
}
#[inline(always)]
pub fn f32x4_gt(a: v128, b: v128) -> v128 {
    f32x4_lt(b, a)
}
#[inline(always)]
pub fn v128_and(a: v128, b: v128) -> v128 {
    zip_u32(a, b, |x, y| x & y)
}
#[inline(always)]
pub fn v128_or(a: v128, b: v128) -> v128 {
    zip_u32(a, b, |x, y| x | y)
}
/// Bits of `a` where `m` is set, of `b` elsewhere.
#[inline(always)]
pub fn v128_bitselect(a: v128, b: v128, m: v128) -> v128 {
    v128([
        (a.0[0] & m.0[0]) | (b.0[0] & !m.0[0]),
        (a.0[1] & m.0[1]) | (b.0[1] & !m.0[1]),
        (a.0[2] & m.0[2]) | (b.0[2] & !m.0[2]),
        (a.0[3] & m.0[3]) | (b.0[3] & !m.0[3]),
    ])
}
#[inline(always)]
pub fn i32x4_add(a: v128, b: v128) -> v128 {
    zip_u32(a, b, u32::wrapping_add)
}
#[inline(always)]
pub fn i32x4_sub(a: v128, b: v128) -> v128 {
    zip_u32(a, b, u32::wrapping_sub)
}
#[inline(always)]
pub fn i32x4_shl(a: v128, n: u32) -> v128 {
    let n = n & 31;
    v128([a.0[0] << n, a.0[1] << n, a.0[2] << n, a.0[3] << n])
}
#[inline(always)]
pub fn u8x16_shr(a: v128, n: u32) -> v128 {
    let (b, n) = (bytes(a), n & 7);
    let mut o = [0u8; 16];
    for i in 0..16 {
        o[i] = b[i] >> n;
    }
    from_bytes(o)
}
#[inline(always)]
pub fn i32x4_shuffle<const I0: usize, const I1: usize, const I2: usize, const I3: usize>(a: v128, b: v128) -> v128 {
    let both = [a.0[0], a.0[1], a.0[2], a.0[3], b.0[0], b.0[1], b.0[2], b.0[3]];
    v128([both[I0], both[I1], both[I2], both[I3]])
}
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn i8x16_shuffle<
    const I0: usize, const I1: usize, const I2: usize, const I3: usize,
    const I4: usize, const I5: usize, const I6: usize, const I7: usize,
    const I8: usize, const I9: usize, const I10: usize, const I11: usize,
    const I12: usize, const I13: usize, const I14: usize, const I15: usize,
>(a: v128, b: v128) -> v128 {
    let (x, y) = (bytes(a), bytes(b));
    let pick = |i: usize| if i < 16 { x[i] } else { y[i - 16] };
    from_bytes([
        pick(I0), pick(I1), pick(I2), pick(I3), pick(I4), pick(I5), pick(I6), pick(I7),
        pick(I8), pick(I9), pick(I10), pick(I11), pick(I12), pick(I13), pick(I14), pick(I15),
    ])
}
#[inline(always)]
pub fn i16x8_extend_low_i8x16(a: v128) -> v128 {
    let b = bytes(a);
    let mut h = [0u16; 8];
    for i in 0..8 {
        h[i] = b[i] as i8 as i16 as u16;
    }
    from_halves(h)
}
#[inline(always)]
pub fn u16x8_extend_low_u8x16(a: v128) -> v128 {
    let b = bytes(a);
    let mut h = [0u16; 8];
    for i in 0..8 {
        h[i] = b[i] as u16;
    }
    from_halves(h)
}
#[inline(always)]
pub fn i32x4_extend_low_i16x8(a: v128) -> v128 {
    let h = halves(a);
    v128([h[0] as i16 as i32 as u32, h[1] as i16 as i32 as u32, h[2] as i16 as i32 as u32, h[3] as i16 as i32 as u32])
}
#[inline(always)]
pub fn u32x4_extend_low_u16x8(a: v128) -> v128 {
    let h = halves(a);
    v128([h[0] as u32, h[1] as u32, h[2] as u32, h[3] as u32])
}
#[inline(always)]
pub fn u32x4_extend_high_u16x8(a: v128) -> v128 {
    let h = halves(a);
    v128([h[4] as u32, h[5] as u32, h[6] as u32, h[7] as u32])
}
