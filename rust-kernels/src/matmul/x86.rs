//! x86_64 register tiles with FMA, chosen at run time (see `Isa`):
//! AVX-512F, MR×32 over two zmm columns; AVX2+FMA, MR×16 over two ymm
//! columns. Per k: B's two vectors are loaded once, each of A's MR elements
//! is broadcast once and feeds two FMAs. The C tile is prefetched before
//! the k loop and edge columns are stored through masks.
use super::blocked::{Mode, Tile};
use super::Operands;
use core::arch::x86_64::*;

/// AVX-512F tile: MR rows × 32 columns, 2·MR zmm accumulators (of 32).
pub struct Avx512<const MR: usize, const KC: usize, const MC: usize, const NC: usize>;

impl<const MR: usize, const KC: usize, const MC: usize, const NC: usize> Tile for Avx512<MR, KC, MC, NC> {
    const MR: usize = MR;
    const NR: usize = 32;
    const KC: usize = KC;
    const MC: usize = MC;
    const NC: usize = NC;
    // One zmm, so packed B vectors never straddle cache lines.
    const ALIGN: usize = 16;
    const SLACK: usize = 8;
    // B's micro-panel (KC·32 floats) is too wide to share L1 with A's
    // stream; A's (14·KC) is not. Measured +13% on 1024×50257×768.
    const ROWS_OUTER: bool = true;

    #[inline(always)]
    unsafe fn micro(
        kc: usize, ap: *const f32, bp: *const f32, c: *mut f32, ldc: usize,
        mr: usize, nr: usize, mode: Mode, bias: *const f32, _tile: *mut f32,
    ) {
        micro_avx512::<MR>(kc, ap, bp, c, ldc, mr, nr, mode, bias)
    }

    #[inline(always)]
    unsafe fn pack_a(ap: *mut f32, a: *const f32, lda: usize, trans: bool, ic: usize, mc: usize, pc: usize, kc: usize) {
        pack_a::<MR>(ap, a, lda, trans, ic, mc, pc, kc)
    }

    #[inline(always)]
    unsafe fn pack_b(bp: *mut f32, b: *const f32, ldb: usize, trans: bool, pc: usize, kc: usize, jc: usize, nc: usize) {
        pack_b::<32>(bp, b, ldb, trans, pc, kc, jc, nc)
    }
}

/// AVX2+FMA tile: MR rows × 16 columns, 2·MR ymm accumulators (of 16).
pub struct Avx2<const MR: usize, const KC: usize, const MC: usize, const NC: usize>;

impl<const MR: usize, const KC: usize, const MC: usize, const NC: usize> Tile for Avx2<MR, KC, MC, NC> {
    const MR: usize = MR;
    const NR: usize = 16;
    const KC: usize = KC;
    const MC: usize = MC;
    const NC: usize = NC;
    const ALIGN: usize = 8;
    const SLACK: usize = 8;
    const ROWS_OUTER: bool = false;

    #[inline(always)]
    unsafe fn micro(
        kc: usize, ap: *const f32, bp: *const f32, c: *mut f32, ldc: usize,
        mr: usize, nr: usize, mode: Mode, bias: *const f32, _tile: *mut f32,
    ) {
        micro_avx2::<MR>(kc, ap, bp, c, ldc, mr, nr, mode, bias)
    }

    #[inline(always)]
    unsafe fn pack_a(ap: *mut f32, a: *const f32, lda: usize, trans: bool, ic: usize, mc: usize, pc: usize, kc: usize) {
        pack_a::<MR>(ap, a, lda, trans, ic, mc, pc, kc)
    }

    #[inline(always)]
    unsafe fn pack_b(bp: *mut f32, b: *const f32, ldb: usize, trans: bool, pc: usize, kc: usize, jc: usize, nc: usize) {
        pack_b::<16>(bp, b, ldb, trans, pc, kc, jc, nc)
    }
}

/// Starts loading the C tile's rows (first and last float of each) while
/// the k loop runs: for a large out they come from DRAM, and the misses
/// would otherwise stall the stores at the end.
#[inline(always)]
unsafe fn prefetch_c<const R: usize>(c: *const f32, ldc: usize, mr: usize, last: usize) {
    for i in 0..R {
        if i < mr {
            let p = c.add(i * ldc);
            _mm_prefetch::<_MM_HINT_T0>(p as *const i8);
            _mm_prefetch::<_MM_HINT_T0>(p.add(last) as *const i8);
        }
    }
}

/// Lanes 0..n of a 16-lane mask (n clamped to 0..=16).
#[inline(always)]
fn lanes16(n: usize) -> __mmask16 {
    if n >= 16 { 0xffff } else { ((1u32 << n) - 1) as __mmask16 }
}

#[inline(never)]
#[target_feature(enable = "avx512f")]
unsafe fn micro_avx512<const R: usize>(
    kc: usize, ap: *const f32, bp: *const f32, c: *mut f32, ldc: usize,
    mr: usize, nr: usize, mode: Mode, bias: *const f32,
) {
    prefetch_c::<R>(c, ldc, mr, 31);
    let mut acc = [[_mm512_setzero_ps(); 2]; R];
    let (mut a, mut b) = (ap, bp);
    for _ in 0..kc {
        let b0 = _mm512_loadu_ps(b);
        let b1 = _mm512_loadu_ps(b.add(16));
        for i in 0..R {
            let ai = _mm512_set1_ps(*a.add(i));
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
        }
        a = a.add(R);
        b = b.add(32);
    }
    // Edge columns by mask: the arithmetic is the full tile's either way.
    let k0 = lanes16(nr);
    let k1 = lanes16(nr.saturating_sub(16));
    if !bias.is_null() {
        let b0 = _mm512_maskz_loadu_ps(k0, bias);
        let b1 = _mm512_maskz_loadu_ps(k1, bias.add(16));
        for row in acc.iter_mut() {
            row[0] = _mm512_add_ps(row[0], b0);
            row[1] = _mm512_add_ps(row[1], b1);
        }
    }
    for (i, row) in acc.iter().enumerate() {
        if i < mr {
            let p = c.add(i * ldc);
            let (mut v0, mut v1) = (row[0], row[1]);
            if mode == Mode::Add {
                v0 = _mm512_add_ps(_mm512_maskz_loadu_ps(k0, p), v0);
                v1 = _mm512_add_ps(_mm512_maskz_loadu_ps(k1, p.add(16)), v1);
            }
            _mm512_mask_storeu_ps(p, k0, v0);
            _mm512_mask_storeu_ps(p.add(16), k1, v1);
        }
    }
}

/// Lanes 0..n of an 8-lane maskload/maskstore mask.
#[inline(always)]
unsafe fn lanes8(n: usize) -> __m256i {
    let n = if n > 8 { 8 } else { n as i32 };
    _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
}

#[inline(never)]
#[target_feature(enable = "avx2,fma")]
unsafe fn micro_avx2<const R: usize>(
    kc: usize, ap: *const f32, bp: *const f32, c: *mut f32, ldc: usize,
    mr: usize, nr: usize, mode: Mode, bias: *const f32,
) {
    prefetch_c::<R>(c, ldc, mr, 15);
    let mut acc = [[_mm256_setzero_ps(); 2]; R];
    let (mut a, mut b) = (ap, bp);
    for _ in 0..kc {
        let b0 = _mm256_loadu_ps(b);
        let b1 = _mm256_loadu_ps(b.add(8));
        for i in 0..R {
            let ai = _mm256_broadcast_ss(&*a.add(i));
            acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
        }
        a = a.add(R);
        b = b.add(16);
    }
    let full = nr == 16;
    let k0 = lanes8(nr);
    let k1 = lanes8(nr.saturating_sub(8));
    if !bias.is_null() {
        let (b0, b1) = if full {
            (_mm256_loadu_ps(bias), _mm256_loadu_ps(bias.add(8)))
        } else {
            (_mm256_maskload_ps(bias, k0), _mm256_maskload_ps(bias.add(8), k1))
        };
        for row in acc.iter_mut() {
            row[0] = _mm256_add_ps(row[0], b0);
            row[1] = _mm256_add_ps(row[1], b1);
        }
    }
    for (i, row) in acc.iter().enumerate() {
        if i < mr {
            let p = c.add(i * ldc);
            let (mut v0, mut v1) = (row[0], row[1]);
            if full {
                if mode == Mode::Add {
                    v0 = _mm256_add_ps(_mm256_loadu_ps(p), v0);
                    v1 = _mm256_add_ps(_mm256_loadu_ps(p.add(8)), v1);
                }
                _mm256_storeu_ps(p, v0);
                _mm256_storeu_ps(p.add(8), v1);
            } else {
                if mode == Mode::Add {
                    v0 = _mm256_add_ps(_mm256_maskload_ps(p, k0), v0);
                    v1 = _mm256_add_ps(_mm256_maskload_ps(p.add(8), k1), v1);
                }
                _mm256_maskstore_ps(p, k0, v0);
                _mm256_maskstore_ps(p.add(8), k1, v1);
            }
        }
    }
}

/// Columns t of the 8×8 block whose rows are r: out[t][i] = r[i][t].
#[inline(always)]
unsafe fn transpose8(r: [__m256; 8]) -> [__m256; 8] {
    let t0 = _mm256_unpacklo_ps(r[0], r[1]);
    let t1 = _mm256_unpackhi_ps(r[0], r[1]);
    let t2 = _mm256_unpacklo_ps(r[2], r[3]);
    let t3 = _mm256_unpackhi_ps(r[2], r[3]);
    let t4 = _mm256_unpacklo_ps(r[4], r[5]);
    let t5 = _mm256_unpackhi_ps(r[4], r[5]);
    let t6 = _mm256_unpacklo_ps(r[6], r[7]);
    let t7 = _mm256_unpackhi_ps(r[6], r[7]);
    let s0 = _mm256_shuffle_ps::<0x44>(t0, t2);
    let s1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
    let s2 = _mm256_shuffle_ps::<0x44>(t1, t3);
    let s3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
    let s4 = _mm256_shuffle_ps::<0x44>(t4, t6);
    let s5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
    let s6 = _mm256_shuffle_ps::<0x44>(t5, t7);
    let s7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
    [
        _mm256_permute2f128_ps::<0x20>(s0, s4),
        _mm256_permute2f128_ps::<0x20>(s1, s5),
        _mm256_permute2f128_ps::<0x20>(s2, s6),
        _mm256_permute2f128_ps::<0x20>(s3, s7),
        _mm256_permute2f128_ps::<0x31>(s0, s4),
        _mm256_permute2f128_ps::<0x31>(s1, s5),
        _mm256_permute2f128_ps::<0x31>(s2, s6),
        _mm256_permute2f128_ps::<0x31>(s3, s7),
    ]
}

/// Eight floats from each of rows[0..n] at `at`, zeros for the rest.
#[inline(always)]
unsafe fn load_rows8(src: *const f32, ld: usize, n: usize, at: usize) -> [__m256; 8] {
    let mut r = [_mm256_setzero_ps(); 8];
    for (i, v) in r.iter_mut().enumerate() {
        if i < n {
            *v = _mm256_loadu_ps(src.add(i * ld + at));
        }
    }
    r
}

/// The generic packing (blocked::pack_a) by 8×8 transposes. A stored [M,K]:
/// groups of 8 rows run last to first, k ascending, each k as one 8-float
/// store; a group past MR stores zeros into the next k's first lanes, which
/// group 0 (or the next k) then overwrites, and past the last k into the
/// tile's SLACK. Aᵀ stored [K,M]: MR contiguous floats per k.
#[target_feature(enable = "avx2")]
unsafe fn pack_a<const MR: usize>(ap: *mut f32, a: *const f32, lda: usize, trans: bool, ic: usize, mc: usize, pc: usize, kc: usize) {
    let mut ir = 0;
    while ir < mc {
        let rows = if mc - ir < MR { mc - ir } else { MR };
        let dst = ap.add(ir * kc);
        if trans {
            for kk in 0..kc {
                let src = a.add((pc + kk) * lda + ic + ir);
                let d = dst.add(kk * MR);
                if rows == MR {
                    core::ptr::copy_nonoverlapping(src, d, MR);
                } else {
                    for r in 0..MR {
                        *d.add(r) = if r < rows { *src.add(r) } else { 0.0 };
                    }
                }
            }
        } else {
            let src = a.add((ic + ir) * lda + pc);
            let vec_k = kc & !7;
            let mut g = (MR - 1) & !7;
            loop {
                let n = if rows > g { (rows - g).min(8) } else { 0 };
                let mut kk = 0;
                while kk < vec_k {
                    let cols = transpose8(load_rows8(src.add(g * lda), lda, n, kk));
                    for (t, v) in cols.iter().enumerate() {
                        _mm256_storeu_ps(dst.add((kk + t) * MR + g), *v);
                    }
                    kk += 8;
                }
                if g == 0 {
                    break;
                }
                g -= 8;
            }
            for kk in vec_k..kc {
                for r in 0..MR {
                    *dst.add(kk * MR + r) = if r < rows { *src.add(r * lda + kk) } else { 0.0 };
                }
            }
        }
        ir += MR;
    }
}

/// The generic packing (blocked::pack_b) with whole-row copies, and 8×8
/// transposes for B stored [N,K] (NR a multiple of 8).
#[target_feature(enable = "avx2")]
unsafe fn pack_b<const NR: usize>(bp: *mut f32, b: *const f32, ldb: usize, trans: bool, pc: usize, kc: usize, jc: usize, nc: usize) {
    let mut jr = 0;
    while jr < nc {
        let cols = if nc - jr < NR { nc - jr } else { NR };
        let dst = bp.add(jr * kc);
        if !trans {
            for kk in 0..kc {
                let src = b.add((pc + kk) * ldb + jc + jr);
                let d = dst.add(kk * NR);
                if cols == NR {
                    core::ptr::copy_nonoverlapping(src, d, NR);
                } else {
                    for c in 0..NR {
                        *d.add(c) = if c < cols { *src.add(c) } else { 0.0 };
                    }
                }
            }
        } else {
            let src = b.add((jc + jr) * ldb + pc);
            let vec_k = kc & !7;
            for g in (0..NR).step_by(8) {
                let n = if cols > g { (cols - g).min(8) } else { 0 };
                let mut kk = 0;
                while kk < vec_k {
                    let ks = transpose8(load_rows8(src.add(g * ldb), ldb, n, kk));
                    for (t, v) in ks.iter().enumerate() {
                        _mm256_storeu_ps(dst.add((kk + t) * NR + g), *v);
                    }
                    kk += 8;
                }
            }
            for kk in vec_k..kc {
                for c in 0..NR {
                    *dst.add(kk * NR + c) = if c < cols { *src.add(c * ldb + kk) } else { 0.0 };
                }
            }
        }
        jr += NR;
    }
}

// The tile each ISA runs. AVX-512 (rows outer): A's micro-panel (14·KC:
// 14 KiB) stays in L1d, the packed B panel (KC·NC: 768 KiB, under the 1 MiB
// L2 of AMD Zen 4/5) in L2. One thread, thread CPU time, interleaved on the
// Xeon: this against the B-in-L1 order at KC 256/MC 392/NC 4096: 1024×50257×768
// 150 vs 131, 1024×3072×768 152 vs 147, the rest within ±3; KC 320–384 and
// NC 768–1536 within ±2 of this. AVX2 (columns outer, the GotoBLAS order): B's
// micro-panel (KC·16: 16 KiB) in a 32 KiB L1d, the A block (MC·KC: 96 KiB) in
// a 256 KiB+ L2.
pub type Avx512Tile = Avx512<14, 256, 392, 768>;
pub type Avx2Tile = Avx2<6, 256, 96, 2048>;

#[target_feature(enable = "avx512f,avx2,fma")]
pub unsafe fn gemm_avx512(o: &Operands, k: usize, m0: usize, m1: usize, n0: usize, n1: usize, scratch: *mut f32) {
    super::blocked::gemm::<Avx512Tile>(o, k, m0, m1, n0, n1, scratch)
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn gemm_avx2(o: &Operands, k: usize, m0: usize, m1: usize, n0: usize, n1: usize, scratch: *mut f32) {
    super::blocked::gemm::<Avx2Tile>(o, k, m0, m1, n0, n1, scratch)
}
