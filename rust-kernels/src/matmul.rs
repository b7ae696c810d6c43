//! out[M,N] = op(A)[M,K] · op(B)[K,N] (+ bias[N]) (+ out), GotoBLAS-style:
//! B is packed into KC×NC panels of 8 columns, A into MC×KC blocks of 5 rows,
//! and a 5×8 register-blocked micro-kernel (ten f32x4 accumulators) runs
//! over the packed data. Packing reads either storage order, so A·B, Aᵀ·B and
//! A·Bᵀ all run the same inner loop at the same speed.
//!
//! Determinism: every out element is summed over K in fixed KC blocks at
//! fixed absolute offsets, whatever rows or columns a thread was given.
use crate::simd::{ld, st};
use crate::v4::*;

// 5×8 measured ~10% faster than 4×8 in V8 (same process, interleaved); 6×8
// needs more than the 15 xmm registers V8 allocates and spills.
const MR: usize = 5;
const NR: usize = 8;
const KC: usize = 256;
const MC: usize = 60;
// A packed KC×NC panel of B (256 KiB) stays within a 512 KiB per-core L2; NC = 1024
// (1 MiB, streamed from L3 for every MC block of A) ran the GPT-2 step ~1.6× slower.
const NC: usize = 256;

/// Floats of scratch one thread needs for matmul.
pub const SCRATCH_FLOATS: usize = MC * KC + KC * NC + MR * NR;

pub const TRANS_A: u32 = 1;
pub const TRANS_B: u32 = 2;
pub const ACCUMULATE: u32 = 4;
/// lo..hi are columns of out (else rows).
pub const SPLIT_N: u32 = 8;

#[no_mangle]
pub extern "C" fn kiln_matmul_scratch_floats() -> usize {
    SCRATCH_FLOATS
}

/// Units: rows of out, or columns when `flags & SPLIT_N`. `bias` may be null.
#[no_mangle]
pub unsafe extern "C" fn kiln_matmul(
    out: *mut f32, a: *const f32, b: *const f32, bias: *const f32,
    m: usize, n: usize, k: usize, flags: u32, lo: usize, hi: usize, scratch: *mut f32,
) {
    let (m0, m1, n0, n1) = if flags & SPLIT_N != 0 { (0, m, lo, hi) } else { (lo, hi, 0, n) };
    let trans_a = flags & TRANS_A != 0;
    let trans_b = flags & TRANS_B != 0;
    let ops = Operands {
        a, lda: if trans_a { m } else { k }, trans_a,
        b, ldb: if trans_b { k } else { n }, trans_b,
        out, ldc: n, bias, accumulate: flags & ACCUMULATE != 0,
    };
    gemm(&ops, k, m0, m1, n0, n1, scratch);
}

/// The storage of one product: op(A) is M×K, op(B) is K×N, out is M×N, each
/// row-major with its own leading dimension (so a head's slice of a packed
/// qkv row is an operand as it stands).
pub struct Operands {
    pub a: *const f32,
    pub lda: usize,
    pub trans_a: bool,
    pub b: *const f32,
    pub ldb: usize,
    pub trans_b: bool,
    pub out: *mut f32,
    pub ldc: usize,
    /// Added to every row on the first K block; may be null.
    pub bias: *const f32,
    /// Add to out instead of overwriting it.
    pub accumulate: bool,
}

/// out[m0..m1, n0..n1] (=|+=) op(A)·op(B) over `k`; `scratch` holds SCRATCH_FLOATS.
pub unsafe fn gemm(o: &Operands, k: usize, m0: usize, m1: usize, n0: usize, n1: usize, scratch: *mut f32) {
    if m0 >= m1 || n0 >= n1 {
        return;
    }
    if k == 0 {
        init_out(o, m0, m1, n0, n1);
        return;
    }
    let ap = scratch;
    let bp = scratch.add(MC * KC);
    let tile = scratch.add(MC * KC + KC * NC);
    let mut jc = n0;
    while jc < n1 {
        let nc = if n1 - jc < NC { n1 - jc } else { NC };
        let mut pc = 0;
        while pc < k {
            let kc = if k - pc < KC { k - pc } else { KC };
            pack_b(bp, o.b, o.ldb, o.trans_b, pc, kc, jc, nc);
            // First K block overwrites (or adds bias / old out); later ones add.
            let first = pc == 0;
            let mut ic = m0;
            while ic < m1 {
                let mc = if m1 - ic < MC { m1 - ic } else { MC };
                pack_a(ap, o.a, o.lda, o.trans_a, ic, mc, pc, kc);
                let mut jr = 0;
                while jr < nc {
                    let nr = if nc - jr < NR { nc - jr } else { NR };
                    let mut ir = 0;
                    while ir < mc {
                        let mr = if mc - ir < MR { mc - ir } else { MR };
                        let c = o.out.add((ic + ir) * o.ldc + jc + jr);
                        let bias_here = if first && !o.bias.is_null() { o.bias.add(jc + jr) } else { core::ptr::null() };
                        let mode = if !first || o.accumulate { Mode::Add } else { Mode::Set };
                        micro(kc, ap.add(ir * kc), bp.add(jr * kc), c, o.ldc, mr, nr, mode, bias_here, tile);
                        ir += MR;
                    }
                    jr += NR;
                }
                ic += MC;
            }
            pc += KC;
        }
        jc += NC;
    }
}

unsafe fn init_out(o: &Operands, m0: usize, m1: usize, n0: usize, n1: usize) {
    for i in m0..m1 {
        for j in n0..n1 {
            let p = o.out.add(i * o.ldc + j);
            let base = if o.accumulate { *p } else { 0.0 };
            *p = if o.bias.is_null() { base } else { base + *o.bias.add(j) };
        }
    }
}

/// ap[ir*kc + k*MR + r] = op(A)(ic + ir + r, pc + k), zero past the block's `mc` rows.
unsafe fn pack_a(ap: *mut f32, a: *const f32, lda: usize, trans: bool, ic: usize, mc: usize, pc: usize, kc: usize) {
    let mut ir = 0;
    while ir < mc {
        let rows = if mc - ir < MR { mc - ir } else { MR };
        let dst = ap.add(ir * kc);
        if trans {
            // A stored [K,M]: the MR rows of op(A) are MR contiguous floats.
            for kk in 0..kc {
                let src = a.add((pc + kk) * lda + ic + ir);
                let d = dst.add(kk * MR);
                for r in 0..MR {
                    *d.add(r) = if r < rows { *src.add(r) } else { 0.0 };
                }
            }
        } else {
            for r in 0..MR {
                if r < rows {
                    let src = a.add((ic + ir + r) * lda + pc);
                    for kk in 0..kc {
                        *dst.add(kk * MR + r) = *src.add(kk);
                    }
                } else {
                    for kk in 0..kc {
                        *dst.add(kk * MR + r) = 0.0;
                    }
                }
            }
        }
        ir += MR;
    }
}

/// bp[jr*kc + k*NR + c] = op(B)(pc + k, jc + jr + c), zero past the panel's `nc` columns.
unsafe fn pack_b(bp: *mut f32, b: *const f32, ldb: usize, trans: bool, pc: usize, kc: usize, jc: usize, nc: usize) {
    let mut jr = 0;
    while jr < nc {
        let cols = if nc - jr < NR { nc - jr } else { NR };
        let dst = bp.add(jr * kc);
        if !trans {
            for kk in 0..kc {
                let src = b.add((pc + kk) * ldb + jc + jr);
                let d = dst.add(kk * NR);
                if cols == NR {
                    st(d, ld(src));
                    st(d.add(4), ld(src.add(4)));
                } else {
                    for c in 0..NR {
                        *d.add(c) = if c < cols { *src.add(c) } else { 0.0 };
                    }
                }
            }
        } else {
            // B stored [N,K]: walk each of the 8 rows contiguously.
            for c in 0..NR {
                if c < cols {
                    let src = b.add((jc + jr + c) * ldb + pc);
                    for kk in 0..kc {
                        *dst.add(kk * NR + c) = *src.add(kk);
                    }
                } else {
                    for kk in 0..kc {
                        *dst.add(kk * NR + c) = 0.0;
                    }
                }
            }
        }
        jr += NR;
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Set,
    Add,
}

/// C[mr,nr] (=|+=) Ap[kc,5]ᵀ·Bp[kc,8] (+ bias) with a 5×8 register tile.
/// Kept out of line: V8 allocates registers far better in a small function.
#[inline(never)]
unsafe fn micro(
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
        a = a.add(MR);
        b = b.add(NR);
    }
    if !bias.is_null() {
        let (b0, b1) = if nr == NR {
            (ld(bias), ld(bias.add(4)))
        } else {
            for j in 0..NR {
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
    if mr == MR && nr == NR {
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

/// The instruction set the matmul micro-kernel runs on.
pub fn isa_name() -> &'static str {
    "sse2 (4-lane kernels)"
}
