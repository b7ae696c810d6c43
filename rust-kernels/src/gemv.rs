//! Decode-sized matmul: out[M,N] (=|+=) a[M,K]·op(W) (+ bias) for M up to
//! DECODE_MAX_M rows (generation's one token per sequence, a batch of a few
//! sequences). The blocked gemm packs both operands for tiles of 6 or 14 rows;
//! at M = 1 that packing is a copy of the whole weight per call and most of
//! the tile computes nothing. Here W streams through once per call, straight
//! from its own layout, and every row of `a` reuses each loaded vector of W.
//!
//! Every out element has the same arithmetic whatever M is and however the
//! columns are split: a fused multiply-add chain over k in order per column
//! (W stored [K,N]), or one lane-strided dot product summed in a fixed order
//! (W stored [N,K], TRANS_B). So a sequence's logits are the same bits alone
//! or in a batch of up to DECODE_MAX_M rows.
use crate::lanes::{widest, Lanes};
use crate::matmul::{ACCUMULATE, TRANS_B};

/// The most rows of `a` this kernel takes (the JS side sends larger M to the gemm).
pub const DECODE_MAX_M: usize = 16;
/// Rows of `a` per register block.
const ROWS: usize = 4;
/// Vectors of W per register block ([K,N]: columns; [N,K]: weight rows).
const VECS: usize = 4;
/// k per chunk for W stored [K,N]: the chunk of a column block (KB × 4 vectors)
/// stays in L1 while every row block passes over it.
const KB: usize = 64;

widest! {
    /// out[M,N] (=|+=) a[M,K]·W (+ bias): W is [K,N], or [N,K] used transposed
    /// with TRANS_B (flags as kiln_matmul's; TRANS_A is not taken). Units:
    /// columns n. `bias` may be null. `scratch` holds M·VECS·lanes floats of
    /// partial sums.
    pub unsafe extern "C" fn kiln_gemv(
        out: *mut f32, a: *const f32, w: *const f32, bias: *const f32,
        m: usize, n: usize, k: usize, flags: u32, lo: usize, hi: usize, scratch: *mut f32,
    ) => gemv;
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn gemv<L: Lanes>(
    out: *mut f32, a: *const f32, w: *const f32, bias: *const f32,
    m: usize, n: usize, k: usize, flags: u32, lo: usize, hi: usize, scratch: *mut f32,
) {
    let accumulate = flags & ACCUMULATE != 0;
    let finish = |r: usize, j: usize, sum: f32| {
        let o = out.add(r * n + j);
        let v = if bias.is_null() { sum } else { sum + *bias.add(j) };
        *o = if accumulate { *o + v } else { v };
    };
    if k == 0 {
        for r in 0..m {
            for c in lo..hi {
                finish(r, c, 0.0);
            }
        }
        return;
    }
    if flags & TRANS_B != 0 {
        let mut j = lo;
        while j < hi {
            let cols = if hi - j < VECS { hi - j } else { VECS };
            let mut r = 0;
            while r < m {
                let rows = if m - r < ROWS { m - r } else { ROWS };
                let sums = dot_block::<L>(a.add(r * k), w.add(j * k), k, rows, cols);
                for rr in 0..rows {
                    for c in 0..cols {
                        finish(r + rr, j + c, sums[rr][c]);
                    }
                }
                r += rows;
            }
            j += cols;
        }
        return;
    }
    let width = VECS * L::N;
    let mut j = lo;
    while j < hi {
        let cols = if hi - j < width { hi - j } else { width };
        let mut k0 = 0;
        while k0 < k {
            let k1 = if k - k0 < KB { k } else { k0 + KB };
            let mut r = 0;
            while r < m {
                let rows = if m - r < ROWS { m - r } else { ROWS };
                let part = scratch.add(r * width);
                axpy_block::<L>(part, width, a.add(r * k), k, w.add(j), n, k0, k1, rows, cols);
                r += rows;
            }
            k0 = k1;
        }
        for r in 0..m {
            for c in 0..cols {
                finish(r, j + c, *scratch.add(r * width + c));
            }
        }
        j += cols;
    }
}

/// Lanes in use of vector `v` of a block `cols` wide.
#[inline(always)]
fn lanes_of<L: Lanes>(cols: usize, v: usize) -> usize {
    let start = v * L::N;
    if cols <= start { 0 } else if cols - start >= L::N { L::N } else { cols - start }
}

/// part[r, 0..cols] (=, on k0 = 0, else +=) Σ_{k0≤k<k1} a[r,k]·W[k, 0..cols]
/// for `rows` rows (each column one fma chain over k, continued across
/// chunks through `part`, whose f32 store and load change no bits).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn axpy_block<L: Lanes>(
    part: *mut f32, ldp: usize, a: *const f32, lda: usize, w: *const f32, ldw: usize,
    k0: usize, k1: usize, rows: usize, cols: usize,
) {
    let n = [lanes_of::<L>(cols, 0), lanes_of::<L>(cols, 1), lanes_of::<L>(cols, 2), lanes_of::<L>(cols, 3)];
    let mut acc = [[L::splat(0.0); VECS]; ROWS];
    if k0 > 0 {
        for r in 0..rows {
            for v in 0..VECS {
                if n[v] > 0 {
                    acc[r][v] = L::load(part.add(r * ldp + v * L::N));
                }
            }
        }
    }
    if n[VECS - 1] == L::N {
        // Full block: plain loads, the hot loop.
        for kk in k0..k1 {
            let row = w.add(kk * ldw);
            let wv = [L::load(row), L::load(row.add(L::N)), L::load(row.add(2 * L::N)), L::load(row.add(3 * L::N))];
            for r in 0..ROWS {
                if r < rows {
                    let av = L::splat(*a.add(r * lda + kk));
                    for v in 0..VECS {
                        acc[r][v] = L::mul_add(av, wv[v], acc[r][v]);
                    }
                }
            }
        }
    } else {
        for kk in k0..k1 {
            let row = w.add(kk * ldw);
            let mut wv = [L::splat(0.0); VECS];
            for v in 0..VECS {
                if n[v] > 0 {
                    wv[v] = L::load_n(row.add(v * L::N), n[v]);
                }
            }
            for r in 0..rows {
                let av = L::splat(*a.add(r * lda + kk));
                for v in 0..VECS {
                    acc[r][v] = L::mul_add(av, wv[v], acc[r][v]);
                }
            }
        }
    }
    for r in 0..rows {
        for v in 0..VECS {
            if n[v] > 0 {
                L::store(part.add(r * ldp + v * L::N), acc[r][v]);
            }
        }
    }
}

/// Σ_k a[r,k]·W[c,k] for `rows` rows of a and `cols` rows of W (each ≤ 4):
/// one vector accumulator per pair over k in steps of the width, summed
/// across lanes in a fixed order at the end.
#[inline(always)]
unsafe fn dot_block<L: Lanes>(a: *const f32, w: *const f32, k: usize, rows: usize, cols: usize) -> [[f32; VECS]; ROWS] {
    let mut acc = [[L::splat(0.0); VECS]; ROWS];
    let mut i = 0;
    while i < k {
        let nv = if k - i < L::N { k - i } else { L::N };
        let mut wv = [L::splat(0.0); VECS];
        for c in 0..VECS {
            if c < cols {
                wv[c] = L::load_n(w.add(c * k + i), nv);
            }
        }
        for r in 0..ROWS {
            if r < rows {
                let av = L::load_n(a.add(r * k + i), nv);
                for c in 0..VECS {
                    acc[r][c] = L::mul_add(av, wv[c], acc[r][c]);
                }
            }
        }
        i += nv;
    }
    let mut sums = [[0.0f32; VECS]; ROWS];
    for r in 0..rows {
        for c in 0..cols {
            sums[r][c] = L::hsum(acc[r][c]);
        }
    }
    sums
}
