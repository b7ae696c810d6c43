//! LayerNorm and RMSNorm, forward (units: rows) and backward: dx by rows,
//! the weight gradients by columns so each thread sums whole columns in row
//! order (deterministic, no cross-thread reduction). At the CPU's full
//! vector width (see `lanes`).
use crate::lanes::{each_vector, widest, Lanes};
use crate::simd::sqrt;

#[inline(always)]
unsafe fn sum<L: Lanes>(x: *const f32, c: usize) -> f32 {
    let mut acc = L::splat(0.0);
    let mut i = 0;
    while i + L::N <= c {
        acc = L::add(acc, L::load(x.add(i)));
        i += L::N;
    }
    let mut s = L::hsum(acc);
    while i < c {
        s += *x.add(i);
        i += 1;
    }
    s
}

#[inline(always)]
unsafe fn sum_sq_dev<L: Lanes>(x: *const f32, c: usize, mean: f32) -> f32 {
    let vm = L::splat(mean);
    let mut acc = L::splat(0.0);
    let mut i = 0;
    while i + L::N <= c {
        let d = L::sub(L::load(x.add(i)), vm);
        acc = L::mul_add(d, d, acc);
        i += L::N;
    }
    let mut s = L::hsum(acc);
    while i < c {
        let d = *x.add(i) - mean;
        s += d * d;
        i += 1;
    }
    s
}

widest! {
    /// out[N,C] = (x - mean)·rstd·w + b; saves mean[N], rstd[N]. b may be null.
    pub unsafe extern "C" fn kiln_layernorm(
        out: *mut f32, mean: *mut f32, rstd: *mut f32, x: *const f32, w: *const f32, b: *const f32,
        c: usize, eps: f32, lo: usize, hi: usize,
    ) => layernorm;
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn layernorm<L: Lanes>(
    out: *mut f32, mean: *mut f32, rstd: *mut f32, x: *const f32, w: *const f32, b: *const f32,
    c: usize, eps: f32, lo: usize, hi: usize,
) {
    for r in lo..hi {
        let xr = x.add(r * c);
        let o = out.add(r * c);
        let m = sum::<L>(xr, c) / c as f32;
        let var = sum_sq_dev::<L>(xr, c, m) / c as f32;
        let rs = 1.0 / sqrt(var + eps);
        *mean.add(r) = m;
        *rstd.add(r) = rs;
        let (vm, vr) = (L::splat(m), L::splat(rs));
        each_vector!(L, i, n in 0, c => {
            let nv = L::mul(L::sub(L::load_n(xr.add(i), n), vm), vr);
            let y = if b.is_null() {
                L::mul(nv, L::load_n(w.add(i), n))
            } else {
                L::mul_add(nv, L::load_n(w.add(i), n), L::load_n(b.add(i), n))
            };
            L::store_n(o.add(i), y, n);
        });
    }
}

widest! {
    /// dx[N,C] += LayerNorm input gradient. Units: rows.
    pub unsafe extern "C" fn kiln_layernorm_backward_dx(
        dx: *mut f32, dout: *const f32, x: *const f32, w: *const f32, mean: *const f32, rstd: *const f32,
        c: usize, lo: usize, hi: usize,
    ) => layernorm_backward_dx;
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn layernorm_backward_dx<L: Lanes>(
    dx: *mut f32, dout: *const f32, x: *const f32, w: *const f32, mean: *const f32, rstd: *const f32,
    c: usize, lo: usize, hi: usize,
) {
    for r in lo..hi {
        let (xr, dr, dxr) = (x.add(r * c), dout.add(r * c), dx.add(r * c));
        let (m, rs) = (*mean.add(r), *rstd.add(r));
        let (vm, vr) = (L::splat(m), L::splat(rs));
        // dnorm = dout·w; need mean(dnorm) and mean(dnorm·norm).
        let (mut a1, mut a2) = (L::splat(0.0), L::splat(0.0));
        let mut i = 0;
        while i + L::N <= c {
            let nv = L::mul(L::sub(L::load(xr.add(i)), vm), vr);
            let dn = L::mul(L::load(dr.add(i)), L::load(w.add(i)));
            a1 = L::add(a1, dn);
            a2 = L::mul_add(dn, nv, a2);
            i += L::N;
        }
        let (mut s1, mut s2) = (L::hsum(a1), L::hsum(a2));
        while i < c {
            let nv = (*xr.add(i) - m) * rs;
            let dn = *dr.add(i) * *w.add(i);
            s1 += dn;
            s2 += dn * nv;
            i += 1;
        }
        let (v1, v2) = (L::splat(s1 / c as f32), L::splat(s2 / c as f32));
        each_vector!(L, i, n in 0, c => {
            let nv = L::mul(L::sub(L::load_n(xr.add(i), n), vm), vr);
            let dn = L::mul(L::load_n(dr.add(i), n), L::load_n(w.add(i), n));
            let g = L::mul(L::neg_mul_add(nv, v2, L::sub(dn, v1)), vr);
            L::store_n(dxr.add(i), L::add(L::load_n(dxr.add(i), n), g), n);
        });
    }
}

widest! {
    /// dw[C] += Σ_rows dout·norm, db[C] += Σ_rows dout (db may be null).
    /// `mean` may be null (RMSNorm: norm = x·rstd). Units: columns.
    pub unsafe extern "C" fn kiln_norm_backward_dw(
        dw: *mut f32, db: *mut f32, dout: *const f32, x: *const f32, mean: *const f32, rstd: *const f32,
        n: usize, c: usize, lo: usize, hi: usize,
    ) => norm_backward_dw;
}

/// Columns go in blocks of up to 8 vectors; a block that the range ends
/// inside goes through zero-padded copies (the same vector code on every
/// column, whatever the split).
#[inline(always)]
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
unsafe fn norm_backward_dw<L: Lanes>(
    dw: *mut f32, db: *mut f32, dout: *const f32, x: *const f32, mean: *const f32, rstd: *const f32,
    n: usize, c: usize, lo: usize, hi: usize,
) {
    const MAX: usize = 8 * 16;
    let mut j = lo;
    while j < hi {
        let vecs = core::cmp::min(8, (hi - j + L::N - 1) / L::N);
        let width = core::cmp::min(vecs * L::N, hi - j);
        let full = width == vecs * L::N;
        let mut aw = [L::splat(0.0); 8];
        let mut ab = [L::splat(0.0); 8];
        let mut tx = [0.0f32; MAX];
        let mut td = [0.0f32; MAX];
        for r in 0..n {
            let m = if mean.is_null() { 0.0 } else { *mean.add(r) };
            let (vm, vr) = (L::splat(m), L::splat(*rstd.add(r)));
            let (xr, dr) = if full {
                (x.add(r * c + j), dout.add(r * c + j))
            } else {
                for t in 0..width {
                    tx[t] = *x.add(r * c + j + t);
                    td[t] = *dout.add(r * c + j + t);
                }
                (tx.as_ptr(), td.as_ptr())
            };
            for v in 0..vecs {
                let d = L::load(dr.add(v * L::N));
                let nv = L::mul(L::sub(L::load(xr.add(v * L::N)), vm), vr);
                aw[v] = L::mul_add(d, nv, aw[v]);
                ab[v] = L::add(ab[v], d);
            }
        }
        let mut ow = [0.0f32; MAX];
        let mut ob = [0.0f32; MAX];
        for v in 0..vecs {
            L::store(ow.as_mut_ptr().add(v * L::N), aw[v]);
            L::store(ob.as_mut_ptr().add(v * L::N), ab[v]);
        }
        for t in 0..width {
            *dw.add(j + t) += ow[t];
            if !db.is_null() {
                *db.add(j + t) += ob[t];
            }
        }
        j += width;
    }
}

widest! {
    /// out[N,C] = x·rsqrt(mean(x²) + eps)·w; saves rstd[N]. Units: rows.
    pub unsafe extern "C" fn kiln_rmsnorm(out: *mut f32, rstd: *mut f32, x: *const f32, w: *const f32, c: usize, eps: f32, lo: usize, hi: usize) => rmsnorm;
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn rmsnorm<L: Lanes>(out: *mut f32, rstd: *mut f32, x: *const f32, w: *const f32, c: usize, eps: f32, lo: usize, hi: usize) {
    for r in lo..hi {
        let xr = x.add(r * c);
        let o = out.add(r * c);
        let rs = 1.0 / sqrt(sum_sq_dev::<L>(xr, c, 0.0) / c as f32 + eps);
        *rstd.add(r) = rs;
        let vr = L::splat(rs);
        each_vector!(L, i, n in 0, c => {
            L::store_n(o.add(i), L::mul(L::mul(L::load_n(xr.add(i), n), vr), L::load_n(w.add(i), n)), n);
        });
    }
}

widest! {
    /// dx[N,C] += RMSNorm input gradient. Units: rows.
    pub unsafe extern "C" fn kiln_rmsnorm_backward_dx(dx: *mut f32, dout: *const f32, x: *const f32, w: *const f32, rstd: *const f32, c: usize, lo: usize, hi: usize) => rmsnorm_backward_dx;
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn rmsnorm_backward_dx<L: Lanes>(dx: *mut f32, dout: *const f32, x: *const f32, w: *const f32, rstd: *const f32, c: usize, lo: usize, hi: usize) {
    for r in lo..hi {
        let (xr, dr, dxr) = (x.add(r * c), dout.add(r * c), dx.add(r * c));
        let rs = *rstd.add(r);
        let vr = L::splat(rs);
        let mut a = L::splat(0.0);
        let mut i = 0;
        while i + L::N <= c {
            let nv = L::mul(L::load(xr.add(i)), vr);
            a = L::mul_add(L::mul(L::load(dr.add(i)), L::load(w.add(i))), nv, a);
            i += L::N;
        }
        let mut s = L::hsum(a);
        while i < c {
            s += *dr.add(i) * *w.add(i) * (*xr.add(i) * rs);
            i += 1;
        }
        let vmd = L::splat(s / c as f32);
        each_vector!(L, i, n in 0, c => {
            let nv = L::mul(L::load_n(xr.add(i), n), vr);
            let dn = L::mul(L::load_n(dr.add(i), n), L::load_n(w.add(i), n));
            let g = L::mul(L::neg_mul_add(nv, vmd, dn), vr);
            L::store_n(dxr.add(i), L::add(L::load_n(dxr.add(i), n), g), n);
        });
    }
}
