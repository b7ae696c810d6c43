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
/// W rows per span for W stored [N,K]: a span (at K = 768, 24 KB) stays in L1
/// while each block of a's rows passes over it.
const SPAN: usize = 2 * VECS;
/// Rows of W [K,N] read together when streaming: that many contiguous streams at once.
const KR: usize = 8;
/// k per chunk of the blocked [K,N] path: the chunk of a column block (KB × 4
/// vectors) stays in L1 while every row block passes over it.
const KB: usize = 64;
/// Partial sums in scratch for W [K,N]: M × span floats (span up to the thread's columns).
const PART_FLOATS: usize = 1 << 15;

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
        // A few blocks of W rows at a time, so they stay in L1 while every block of a's rows passes over them.
        let mut j0 = lo;
        while j0 < hi {
            let j1 = if hi - j0 < SPAN { hi } else { j0 + SPAN };
            let mut r = 0;
            while r < m {
                let rows = if m - r < ROWS { m - r } else { ROWS };
                let mut j = j0;
                while j < j1 {
                let cols = if j1 - j < VECS { j1 - j } else { VECS };
                let (ar, wj) = (a.add(r * k), w.add(j * k));
                macro_rules! dots {
                    ($($R:literal, $C:literal);*) => {
                        match (rows, cols) {
                            $(($R, $C) => {
                                let sums = dot_block::<L, $R, $C>(ar, wj, k);
                                for rr in 0..$R {
                                    for c in 0..$C {
                                        finish(r + rr, j + c, sums[rr][c]);
                                    }
                                }
                            })*
                            _ => unreachable!(),
                        }
                    };
                }
                dots!(1, 1; 1, 2; 1, 3; 1, 4; 2, 1; 2, 2; 2, 3; 2, 4; 3, 1; 3, 2; 3, 3; 3, 4; 4, 1; 4, 2; 4, 3; 4, 4);
                j += cols;
                }
                r += rows;
            }
            j0 = j1;
        }
        return;
    }
    if m > ROWS {
        blocked_kn::<L>(a, w, m, n, k, lo, hi, scratch, &finish);
        return;
    }
    // W [K,N], a few rows of a: KR rows of W at a time, each read across the whole
    // span of columns (long contiguous streams from memory), the partial sums of the
    // span's columns kept in scratch.
    let span = {
        let fit = (PART_FLOATS / m) / L::N * L::N;
        let want = (hi - lo + L::N - 1) / L::N * L::N;
        if fit < want { fit.max(L::N) } else { want }
    };
    let mut c0 = lo;
    while c0 < hi {
        let c1 = if hi - c0 < span { hi } else { c0 + span };
        let mut k0 = 0;
        while k0 < k {
            let k1 = if k - k0 < KR { k } else { k0 + KR };
            let mut r = 0;
            while r < m {
                let rows = if m - r < ROWS { m - r } else { ROWS };
                let (part, ar, wc) = (scratch.add(r * span), a.add(r * k), w.add(c0));
                match rows {
                    1 => stream_rows::<L, 1>(part, span, ar, k, wc, n, k0, k1, c1 - c0),
                    2 => stream_rows::<L, 2>(part, span, ar, k, wc, n, k0, k1, c1 - c0),
                    3 => stream_rows::<L, 3>(part, span, ar, k, wc, n, k0, k1, c1 - c0),
                    _ => stream_rows::<L, 4>(part, span, ar, k, wc, n, k0, k1, c1 - c0),
                }
                r += rows;
            }
            k0 = k1;
        }
        for r in 0..m {
            for c in c0..c1 {
                finish(r, c, *scratch.add(r * span + (c - c0)));
            }
        }
        c0 = c1;
    }
}

/// W [K,N] for more rows of a than one register block: column blocks of VECS
/// vectors, k in chunks of KB whose slice of W stays in L1 while every block of
/// rows passes over it, the sums in registers. The same fma chain per column as
/// stream_rows, so M never changes a row's bits.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn blocked_kn<L: Lanes>(
    a: *const f32, w: *const f32, m: usize, n: usize, k: usize, lo: usize, hi: usize, scratch: *mut f32,
    finish: &impl Fn(usize, usize, f32),
) {
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
                let ar = a.add(r * k);
                if cols == width {
                    match rows {
                        1 => axpy_full::<L, 1>(part, width, ar, k, w.add(j), n, k0, k1),
                        2 => axpy_full::<L, 2>(part, width, ar, k, w.add(j), n, k0, k1),
                        3 => axpy_full::<L, 3>(part, width, ar, k, w.add(j), n, k0, k1),
                        _ => axpy_full::<L, 4>(part, width, ar, k, w.add(j), n, k0, k1),
                    }
                } else {
                    axpy_edge::<L>(part, width, ar, k, w.add(j), n, k0, k1, rows, cols);
                }
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

/// part[r, 0..cols] (=, on k0 = 0, else +=) Σ_{k0≤k<k1} a[r,k]·W[k, 0..cols] for
/// R rows: one vector of columns at a time through the chunk's rows of W. Each
/// column is one fma chain over k, continued across chunks through `part`
/// (whose f32 store and load change no bits).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn stream_rows<L: Lanes, const R: usize>(
    part: *mut f32, ldp: usize, a: *const f32, lda: usize, w: *const f32, ldw: usize, k0: usize, k1: usize,
    cols: usize,
) {
    let mut c = 0;
    while c < cols {
        let nv = if cols - c < L::N { cols - c } else { L::N };
        let mut acc = [L::splat(0.0); R];
        if k0 > 0 {
            for r in 0..R {
                acc[r] = L::load(part.add(r * ldp + c));
            }
        }
        if nv == L::N {
            for kk in k0..k1 {
                let wv = L::load(w.add(kk * ldw + c));
                for r in 0..R {
                    acc[r] = L::mul_add(L::splat(*a.add(r * lda + kk)), wv, acc[r]);
                }
            }
        } else {
            for kk in k0..k1 {
                let wv = L::load_n(w.add(kk * ldw + c), nv);
                for r in 0..R {
                    acc[r] = L::mul_add(L::splat(*a.add(r * lda + kk)), wv, acc[r]);
                }
            }
        }
        for r in 0..R {
            L::store(part.add(r * ldp + c), acc[r]);
        }
        c += nv;
    }
}

/// Asks for the cache line at `p` ahead of its use (no-op where there is no
/// prefetch instruction). Never faults, even past the end of W.
#[inline(always)]
unsafe fn prefetch(p: *const f32) {
    #[cfg(target_arch = "x86_64")]
    core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p as *const i8);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// part[r, 0..width] (=, on k0 = 0, else +=) Σ_{k0≤k<k1} a[r,k]·W[k, 0..width]
/// for R rows, a block of VECS full vectors: each column one fma chain over
/// k, continued across chunks through `part` (whose f32 store and load
/// change no bits).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn axpy_full<L: Lanes, const R: usize>(
    part: *mut f32, ldp: usize, a: *const f32, lda: usize, w: *const f32, ldw: usize, k0: usize, k1: usize,
) {
    let mut acc = [[L::splat(0.0); VECS]; R];
    if k0 > 0 {
        for r in 0..R {
            for v in 0..VECS {
                acc[r][v] = L::load(part.add(r * ldp + v * L::N));
            }
        }
    }
    for kk in k0..k1 {
        let row = w.add(kk * ldw);
        let wv = [L::load(row), L::load(row.add(L::N)), L::load(row.add(2 * L::N)), L::load(row.add(3 * L::N))];
        for r in 0..R {
            let av = L::splat(*a.add(r * lda + kk));
            for v in 0..VECS {
                acc[r][v] = L::mul_add(av, wv[v], acc[r][v]);
            }
        }
    }
    for r in 0..R {
        for v in 0..VECS {
            L::store(part.add(r * ldp + v * L::N), acc[r][v]);
        }
    }
}

/// axpy_full for the last, narrower block of a range (`cols` < width), one
/// vector at a time with masked loads: the same chain per column.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn axpy_edge<L: Lanes>(
    part: *mut f32, ldp: usize, a: *const f32, lda: usize, w: *const f32, ldw: usize,
    k0: usize, k1: usize, rows: usize, cols: usize,
) {
    let mut c = 0;
    while c < cols {
        let nv = if cols - c < L::N { cols - c } else { L::N };
        for r in 0..rows {
            let p = part.add(r * ldp + c);
            let mut acc = if k0 > 0 { L::load(p) } else { L::splat(0.0) };
            for kk in k0..k1 {
                acc = L::mul_add(L::splat(*a.add(r * lda + kk)), L::load_n(w.add(kk * ldw + c), nv), acc);
            }
            L::store(p, acc);
        }
        c += nv;
    }
}

/// Σ_k a[r,k]·W[c,k] for R rows of a and C rows of W: one vector accumulator
/// per pair over k in steps of the width (the last step masked), summed
/// across lanes in a fixed order at the end.
#[inline(always)]
unsafe fn dot_block<L: Lanes, const R: usize, const C: usize>(a: *const f32, w: *const f32, k: usize) -> [[f32; C]; R] {
    let mut acc = [[L::splat(0.0); C]; R];
    let full = k / L::N * L::N;
    let mut i = 0;
    while i < full {
        let mut wv = [L::splat(0.0); C];
        for c in 0..C {
            wv[c] = L::load(w.add(c * k + i));
            // The same place SPAN rows on: W streams from memory while this span is in L1.
            prefetch(w.add((c + SPAN) * k + i));
        }
        for r in 0..R {
            let av = L::load(a.add(r * k + i));
            for c in 0..C {
                acc[r][c] = L::mul_add(av, wv[c], acc[r][c]);
            }
        }
        i += L::N;
    }
    if i < k {
        let nv = k - i;
        let mut wv = [L::splat(0.0); C];
        for c in 0..C {
            wv[c] = L::load_n(w.add(c * k + i), nv);
        }
        for r in 0..R {
            let av = L::load_n(a.add(r * k + i), nv);
            for c in 0..C {
                acc[r][c] = L::mul_add(av, wv[c], acc[r][c]);
            }
        }
    }
    let mut sums = [[0.0f32; C]; R];
    for r in 0..R {
        for c in 0..C {
            sums[r][c] = L::hsum(acc[r][c]);
        }
    }
    sums
}

#[cfg(test)]
mod bench {
    use super::*;
    use std::time::Instant;

    /// Best time per call of kiln_gemv at decode shapes, one thread:
    ///   cargo test --release bench_gemv -- --ignored --nocapture
    #[test]
    #[ignore]
    fn bench_gemv() {
        let shapes = [(1, 384, 128, false), (1, 4096, 128, true), (1, 2304, 768, false), (1, 768, 3072, false), (16, 2304, 768, false), (1, 50257, 768, true), (16, 50257, 768, true), (1, 9216, 3072, false)];
        for (m, n, k, t) in shapes {
            let a = vec![0.5f32; m * k];
            let w = vec![0.25f32; n * k];
            let mut o = vec![0f32; m * n];
            let mut scratch = vec![0f32; 1 << 16];
            let flags = if t { TRANS_B } else { 0 };
            let mut best = f64::INFINITY;
            let start = Instant::now();
            let mut reps = 0;
            while reps < 5 || (reps < 2000 && start.elapsed().as_secs_f64() < 0.5) {
                let t0 = Instant::now();
                unsafe { kiln_gemv(o.as_mut_ptr(), a.as_ptr(), w.as_ptr(), core::ptr::null(), m, n, k, flags, 0, n, scratch.as_mut_ptr()) };
                best = best.min(t0.elapsed().as_secs_f64());
                reps += 1;
            }
            println!("{m}x{n}x{k} {}: {:.2} us, {:.1} GFLOP/s, {:.1} GB/s of W", if t { "NK" } else { "KN" }, best * 1e6, 2.0 * (m * n * k) as f64 / best / 1e9, (n * k * 4) as f64 / best / 1e9);
        }
    }
}
