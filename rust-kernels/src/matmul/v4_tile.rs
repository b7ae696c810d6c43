//! The portable register tile: 5×8 over the 4-lane API (wasm simd128, or
//! SSE2 natively), ten f32x4 accumulators, multiply then add (wasm has no
//! FMA). The wasm backend's only tile and the native fallback.
use super::blocked::{Mode, Tile};
use crate::simd::{ld, st};
use crate::v4::*;

pub struct V4;

impl Tile for V4 {
    // 5×8 measured ~10% faster than 4×8 in V8 (same process, interleaved); 6×8
    // needs more than the 15 xmm registers V8 allocates and spills.
    const MR: usize = 5;
    const NR: usize = 8;
    const KC: usize = 256;
    const MC: usize = 60;
    // A packed KC×NC panel of B (256 KiB) stays within a 512 KiB per-core L2; NC = 1024
    // (1 MiB, streamed from L3 for every MC block of A) ran the GPT-2 step ~1.6× slower.
    const NC: usize = 256;
    const ALIGN: usize = 1;
    const SLACK: usize = 0;
    const ROWS_OUTER: bool = false;

    #[inline(always)]
    unsafe fn micro(
        kc: usize, ap: *const f32, bp: *const f32, c: *mut f32, ldc: usize,
        mr: usize, nr: usize, mode: Mode, bias: *const f32, tile: *mut f32,
    ) {
        micro_5x8(kc, ap, bp, c, ldc, mr, nr, mode, bias, tile)
    }
}

/// C[mr,nr] (=|+=) Ap[kc,5]ᵀ·Bp[kc,8] (+ bias) with a 5×8 register tile.
/// Kept out of line: V8 allocates registers far better in a small function.
#[inline(never)]
unsafe fn micro_5x8(
    kc: usize, ap: *const f32, bp: *const f32, c: *mut f32, ldc: usize,
    mr: usize, nr: usize, mode: Mode, bias: *const f32, tile: *mut f32,
) {
    let z = f32x4_splat(0.0);
    let (mut c00, mut c01, mut c10, mut c11, mut c20, mut c21, mut c30, mut c31) = (z, z, z, z, z, z, z, z);
    let (mut c40, mut c41) = (z, z);
    let mut a = ap;
    let mut b = bp;
    for _ in 0..kc {
        let b0 = ld(b);
        let b1 = ld(b.add(4));
        let a0 = v128_load32_splat(a as *const u32);
        c00 = f32x4_add(c00, f32x4_mul(a0, b0));
        c01 = f32x4_add(c01, f32x4_mul(a0, b1));
        let a1 = v128_load32_splat(a.add(1) as *const u32);
        c10 = f32x4_add(c10, f32x4_mul(a1, b0));
        c11 = f32x4_add(c11, f32x4_mul(a1, b1));
        let a2 = v128_load32_splat(a.add(2) as *const u32);
        c20 = f32x4_add(c20, f32x4_mul(a2, b0));
        c21 = f32x4_add(c21, f32x4_mul(a2, b1));
        let a3 = v128_load32_splat(a.add(3) as *const u32);
        c30 = f32x4_add(c30, f32x4_mul(a3, b0));
        c31 = f32x4_add(c31, f32x4_mul(a3, b1));
        let a4 = v128_load32_splat(a.add(4) as *const u32);
        c40 = f32x4_add(c40, f32x4_mul(a4, b0));
        c41 = f32x4_add(c41, f32x4_mul(a4, b1));
        a = a.add(5);
        b = b.add(8);
    }
    if !bias.is_null() {
        let (b0, b1) = if nr == 8 {
            (ld(bias), ld(bias.add(4)))
        } else {
            for j in 0..8 {
                *tile.add(j) = if j < nr { *bias.add(j) } else { 0.0 };
            }
            (ld(tile), ld(tile.add(4)))
        };
        c00 = f32x4_add(c00, b0); c01 = f32x4_add(c01, b1);
        c10 = f32x4_add(c10, b0); c11 = f32x4_add(c11, b1);
        c20 = f32x4_add(c20, b0); c21 = f32x4_add(c21, b1);
        c30 = f32x4_add(c30, b0); c31 = f32x4_add(c31, b1);
        c40 = f32x4_add(c40, b0); c41 = f32x4_add(c41, b1);
    }
    let rows = [(c00, c01), (c10, c11), (c20, c21), (c30, c31), (c40, c41)];
    if mr == 5 && nr == 8 {
        for (i, (v0, v1)) in rows.iter().enumerate() {
            let p = c.add(i * ldc);
            if mode == Mode::Add {
                st(p, f32x4_add(ld(p), *v0));
                st(p.add(4), f32x4_add(ld(p.add(4)), *v1));
            } else {
                st(p, *v0);
                st(p.add(4), *v1);
            }
        }
    } else {
        // Edge tile: same arithmetic, written element by element.
        for (i, (v0, v1)) in rows.iter().enumerate() {
            if i >= mr {
                break;
            }
            st(tile, *v0);
            st(tile.add(4), *v1);
            let p = c.add(i * ldc);
            for j in 0..nr {
                if mode == Mode::Add {
                    *p.add(j) += *tile.add(j);
                } else {
                    *p.add(j) = *tile.add(j);
                }
            }
        }
    }
}
