//! The GotoBLAS loop nest, written once for any register tile: B is packed
//! into KC×NC panels of NR columns, A into MC×KC blocks of MR rows, and the
//! tile's micro-kernel runs over the packed data. Packing reads either
//! storage order, so A·B, Aᵀ·B and A·Bᵀ all run the same inner loop.
//!
//! Determinism: every out element is summed over K in KC blocks at fixed
//! absolute offsets (0, KC, 2·KC, …) by the same micro-kernel, with zero
//! padding for edge rows and columns, so its value never depends on which
//! rows or columns of out a call was given.
use super::Operands;
use crate::simd::{ld, st};

/// A register tile and the cache blocking around it.
pub trait Tile: Sized {
    /// Rows of out per micro-kernel call (rows of A per packed micro-panel).
    const MR: usize;
    /// Columns of out per micro-kernel call (columns of B per micro-panel).
    const NR: usize;
    /// Depth of one packed block (the K step, and the determinism unit).
    const KC: usize;
    /// Rows of A packed at a time (a multiple of MR).
    const MC: usize;
    /// Columns of B packed at a time (a multiple of NR).
    const NC: usize;
    /// Floats the packed blocks are aligned to (1: as given).
    const ALIGN: usize;
    /// Floats past the packed A block that this tile's `pack_a` may write.
    const SLACK: usize;
    /// Loop order inside a packed block. false: one B micro-panel (KC·NR)
    /// stays in L1 while A's micro-panels stream past it from L2 (GotoBLAS;
    /// the A block sits in L2). true: one A micro-panel (MR·KC) stays in L1
    /// while B's micro-panels stream from L2 (the B panel sits in L2), and
    /// consecutive C tiles are neighbours in a row.
    const ROWS_OUTER: bool;

    /// C[mr,nr] (=|+=) Ap[kc,MR]ᵀ·Bp[kc,NR] (+ bias[nr] when not null).
    /// Edge tiles (mr < MR or nr < NR) run the same arithmetic over the
    /// zero-padded panels and store only their part; `tile` holds MR·NR floats.
    unsafe fn micro(
        kc: usize, ap: *const f32, bp: *const f32, c: *mut f32, ldc: usize,
        mr: usize, nr: usize, mode: Mode, bias: *const f32, tile: *mut f32,
    );

    /// Packs an MC×KC block of op(A) (see `pack_a`).
    #[inline(always)]
    unsafe fn pack_a(ap: *mut f32, a: *const f32, lda: usize, trans: bool, ic: usize, mc: usize, pc: usize, kc: usize) {
        pack_a::<Self>(ap, a, lda, trans, ic, mc, pc, kc)
    }

    /// Packs a KC×NC panel of op(B) (see `pack_b`).
    #[inline(always)]
    unsafe fn pack_b(bp: *mut f32, b: *const f32, ldb: usize, trans: bool, pc: usize, kc: usize, jc: usize, nc: usize) {
        pack_b::<Self>(bp, b, ldb, trans, pc, kc, jc, nc)
    }
}

/// Floats of scratch `gemm::<T>` needs.
pub const fn scratch_floats<T: Tile>() -> usize {
    T::MC * T::KC + T::SLACK + T::KC * T::NC + T::MR * T::NR + (T::ALIGN - 1)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Set,
    Add,
}

/// out[m0..m1, n0..n1] (=|+=) op(A)·op(B) over `k` with tile T; `scratch`
/// holds scratch_floats::<T>(). Inlined into each ISA's entry point, so the
/// packing loops compile for that ISA too.
#[inline(always)]
pub unsafe fn gemm<T: Tile>(o: &Operands, k: usize, m0: usize, m1: usize, n0: usize, n1: usize, scratch: *mut f32) {
    if m0 >= m1 || n0 >= n1 {
        return;
    }
    if k == 0 {
        init_out(o, m0, m1, n0, n1);
        return;
    }
    let ap = if T::ALIGN > 1 { scratch.add(scratch.align_offset(T::ALIGN * 4).min(T::ALIGN - 1)) } else { scratch };
    let bp = ap.add(T::MC * T::KC + T::SLACK);
    let tile = bp.add(T::KC * T::NC);
    let mut jc = n0;
    while jc < n1 {
        let nc = if n1 - jc < T::NC { n1 - jc } else { T::NC };
        let mut pc = 0;
        while pc < k {
            let kc = if k - pc < T::KC { k - pc } else { T::KC };
            T::pack_b(bp, o.b, o.ldb, o.trans_b, pc, kc, jc, nc);
            // First K block overwrites (or adds bias / old out); later ones add.
            let first = pc == 0;
            let mut ic = m0;
            while ic < m1 {
                let mc = if m1 - ic < T::MC { m1 - ic } else { T::MC };
                T::pack_a(ap, o.a, o.lda, o.trans_a, ic, mc, pc, kc);
                if T::ROWS_OUTER {
                    rows_outer::<T>(o, ap, bp, tile, ic, mc, jc, nc, kc, first);
                } else {
                    let mut jr = 0;
                    while jr < nc {
                        let nr = if nc - jr < T::NR { nc - jr } else { T::NR };
                        let mut ir = 0;
                        while ir < mc {
                            let mr = if mc - ir < T::MR { mc - ir } else { T::MR };
                            let c = o.out.add((ic + ir) * o.ldc + jc + jr);
                            let bias_here = if first && !o.bias.is_null() { o.bias.add(jc + jr) } else { core::ptr::null() };
                            let mode = if !first || o.accumulate { Mode::Add } else { Mode::Set };
                            T::micro(kc, ap.add(ir * kc), bp.add(jr * kc), c, o.ldc, mr, nr, mode, bias_here, tile);
                            ir += T::MR;
                        }
                        jr += T::NR;
                    }
                }
                ic += T::MC;
            }
            pc += T::KC;
        }
        jc += T::NC;
    }
}

/// The block's C tiles row of tiles by row of tiles (see `Tile::ROWS_OUTER`).
#[inline(always)]
unsafe fn rows_outer<T: Tile>(
    o: &Operands, ap: *const f32, bp: *const f32, tile: *mut f32,
    ic: usize, mc: usize, jc: usize, nc: usize, kc: usize, first: bool,
) {
    let mode = if !first || o.accumulate { Mode::Add } else { Mode::Set };
    let mut ir = 0;
    while ir < mc {
        let mr = if mc - ir < T::MR { mc - ir } else { T::MR };
        let mut jr = 0;
        while jr < nc {
            let nr = if nc - jr < T::NR { nc - jr } else { T::NR };
            let c = o.out.add((ic + ir) * o.ldc + jc + jr);
            let bias_here = if first && !o.bias.is_null() { o.bias.add(jc + jr) } else { core::ptr::null() };
            T::micro(kc, ap.add(ir * kc), bp.add(jr * kc), c, o.ldc, mr, nr, mode, bias_here, tile);
            jr += T::NR;
        }
        ir += T::MR;
    }
}

#[inline(always)]
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
#[inline(always)]
pub unsafe fn pack_a<T: Tile>(ap: *mut f32, a: *const f32, lda: usize, trans: bool, ic: usize, mc: usize, pc: usize, kc: usize) {
    let mut ir = 0;
    while ir < mc {
        let rows = if mc - ir < T::MR { mc - ir } else { T::MR };
        let dst = ap.add(ir * kc);
        if trans {
            // A stored [K,M]: the MR rows of op(A) are MR contiguous floats.
            for kk in 0..kc {
                let src = a.add((pc + kk) * lda + ic + ir);
                let d = dst.add(kk * T::MR);
                for r in 0..T::MR {
                    *d.add(r) = if r < rows { *src.add(r) } else { 0.0 };
                }
            }
        } else {
            for r in 0..T::MR {
                if r < rows {
                    let src = a.add((ic + ir + r) * lda + pc);
                    for kk in 0..kc {
                        *dst.add(kk * T::MR + r) = *src.add(kk);
                    }
                } else {
                    for kk in 0..kc {
                        *dst.add(kk * T::MR + r) = 0.0;
                    }
                }
            }
        }
        ir += T::MR;
    }
}

/// bp[jr*kc + k*NR + c] = op(B)(pc + k, jc + jr + c), zero past the panel's `nc` columns.
#[inline(always)]
pub unsafe fn pack_b<T: Tile>(bp: *mut f32, b: *const f32, ldb: usize, trans: bool, pc: usize, kc: usize, jc: usize, nc: usize) {
    let mut jr = 0;
    while jr < nc {
        let cols = if nc - jr < T::NR { nc - jr } else { T::NR };
        let dst = bp.add(jr * kc);
        if !trans {
            for kk in 0..kc {
                let src = b.add((pc + kk) * ldb + jc + jr);
                let d = dst.add(kk * T::NR);
                if cols == T::NR {
                    let mut c = 0;
                    while c < T::NR {
                        st(d.add(c), ld(src.add(c)));
                        c += 4;
                    }
                } else {
                    for c in 0..T::NR {
                        *d.add(c) = if c < cols { *src.add(c) } else { 0.0 };
                    }
                }
            }
        } else {
            // B stored [N,K]: walk each of the NR rows contiguously.
            for c in 0..T::NR {
                if c < cols {
                    let src = b.add((jc + jr + c) * ldb + pc);
                    for kk in 0..kc {
                        *dst.add(kk * T::NR + c) = *src.add(kk);
                    }
                } else {
                    for kk in 0..kc {
                        *dst.add(kk * T::NR + c) = 0.0;
                    }
                }
            }
        }
        jr += T::NR;
    }
}
