//! LayerNorm and RMSNorm, forward (units: rows) and backward: dx by rows,
//! the weight gradients by columns so each thread sums whole columns in row
//! order (deterministic, no cross-thread reduction).
use crate::simd::{hsum, ld, sqrt, st};
use crate::v4::*;

#[inline(always)]
unsafe fn sum(x: *const f32, c: usize) -> f32 {
    let mut acc = f32x4_splat(0.0);
    let mut i = 0;
    while i + 4 <= c {
        acc = f32x4_add(acc, ld(x.add(i)));
        i += 4;
    }
    let mut s = hsum(acc);
    while i < c {
        s += *x.add(i);
        i += 1;
    }
    s
}

#[inline(always)]
unsafe fn sum_sq_dev(x: *const f32, c: usize, mean: f32) -> f32 {
    let vm = f32x4_splat(mean);
    let mut acc = f32x4_splat(0.0);
    let mut i = 0;
    while i + 4 <= c {
        let d = f32x4_sub(ld(x.add(i)), vm);
        acc = f32x4_add(acc, f32x4_mul(d, d));
        i += 4;
    }
    let mut s = hsum(acc);
    while i < c {
        let d = *x.add(i) - mean;
        s += d * d;
        i += 1;
    }
    s
}

/// out[N,C] = (x - mean)·rstd·w + b; saves mean[N], rstd[N]. b may be null.
#[no_mangle]
pub unsafe extern "C" fn kiln_layernorm(
    out: *mut f32, mean: *mut f32, rstd: *mut f32, x: *const f32, w: *const f32, b: *const f32,
    c: usize, eps: f32, lo: usize, hi: usize,
) {
    for r in lo..hi {
        let xr = x.add(r * c);
        let o = out.add(r * c);
        let m = sum(xr, c) / c as f32;
        let var = sum_sq_dev(xr, c, m) / c as f32;
        let rs = 1.0 / sqrt(var + eps);
        *mean.add(r) = m;
        *rstd.add(r) = rs;
        let (vm, vr) = (f32x4_splat(m), f32x4_splat(rs));
        let mut i = 0;
        while i + 4 <= c {
            let nv = f32x4_mul(f32x4_sub(ld(xr.add(i)), vm), vr);
            let mut y = f32x4_mul(nv, ld(w.add(i)));
            if !b.is_null() {
                y = f32x4_add(y, ld(b.add(i)));
            }
            st(o.add(i), y);
            i += 4;
        }
        while i < c {
            let nv = (*xr.add(i) - m) * rs;
            let mut y = nv * *w.add(i);
            if !b.is_null() {
                y += *b.add(i);
            }
            *o.add(i) = y;
            i += 1;
        }
    }
}

/// dx[N,C] += LayerNorm input gradient. Units: rows.
#[no_mangle]
pub unsafe extern "C" fn kiln_layernorm_backward_dx(
    dx: *mut f32, dout: *const f32, x: *const f32, w: *const f32, mean: *const f32, rstd: *const f32,
    c: usize, lo: usize, hi: usize,
) {
    for r in lo..hi {
        let (xr, dr, dxr) = (x.add(r * c), dout.add(r * c), dx.add(r * c));
        let (m, rs) = (*mean.add(r), *rstd.add(r));
        let (vm, vr) = (f32x4_splat(m), f32x4_splat(rs));
        // dnorm = dout·w; need mean(dnorm) and mean(dnorm·norm).
        let (mut a1, mut a2) = (f32x4_splat(0.0), f32x4_splat(0.0));
        let mut i = 0;
        while i + 4 <= c {
            let nv = f32x4_mul(f32x4_sub(ld(xr.add(i)), vm), vr);
            let dn = f32x4_mul(ld(dr.add(i)), ld(w.add(i)));
            a1 = f32x4_add(a1, dn);
            a2 = f32x4_add(a2, f32x4_mul(dn, nv));
            i += 4;
        }
        let (mut s1, mut s2) = (hsum(a1), hsum(a2));
        while i < c {
            let nv = (*xr.add(i) - m) * rs;
            let dn = *dr.add(i) * *w.add(i);
            s1 += dn;
            s2 += dn * nv;
            i += 1;
        }
        let (mdn, mdnn) = (s1 / c as f32, s2 / c as f32);
        let (v1, v2) = (f32x4_splat(mdn), f32x4_splat(mdnn));
        let mut i = 0;
        while i + 4 <= c {
            let nv = f32x4_mul(f32x4_sub(ld(xr.add(i)), vm), vr);
            let dn = f32x4_mul(ld(dr.add(i)), ld(w.add(i)));
            let g = f32x4_mul(f32x4_sub(f32x4_sub(dn, v1), f32x4_mul(nv, v2)), vr);
            st(dxr.add(i), f32x4_add(ld(dxr.add(i)), g));
            i += 4;
        }
        while i < c {
            let nv = (*xr.add(i) - m) * rs;
            let dn = *dr.add(i) * *w.add(i);
            *dxr.add(i) += (dn - mdn - nv * mdnn) * rs;
            i += 1;
        }
    }
}

/// dw[C] += Σ_rows dout·norm, db[C] += Σ_rows dout (db may be null).
/// `mean` may be null (RMSNorm: norm = x·rstd). Units: columns.
#[no_mangle]
pub unsafe extern "C" fn kiln_norm_backward_dw(
    dw: *mut f32, db: *mut f32, dout: *const f32, x: *const f32, mean: *const f32, rstd: *const f32,
    n: usize, c: usize, lo: usize, hi: usize,
) {
    let mut j = lo;
    while j < hi {
        let vecs = core::cmp::min(8, (hi - j + 3) / 4);
        let width = core::cmp::min(vecs * 4, hi - j);
        let full = width == vecs * 4;
        let mut aw = [f32x4_splat(0.0); 8];
        let mut ab = [f32x4_splat(0.0); 8];
        let mut tx = [0.0f32; 32];
        let mut td = [0.0f32; 32];
        for r in 0..n {
            let m = if mean.is_null() { 0.0 } else { *mean.add(r) };
            let (vm, vr) = (f32x4_splat(m), f32x4_splat(*rstd.add(r)));
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
                let d = ld(dr.add(v * 4));
                let nv = f32x4_mul(f32x4_sub(ld(xr.add(v * 4)), vm), vr);
                aw[v] = f32x4_add(aw[v], f32x4_mul(d, nv));
                ab[v] = f32x4_add(ab[v], d);
            }
        }
        let mut ow = [0.0f32; 32];
        let mut ob = [0.0f32; 32];
        for v in 0..vecs {
            st(ow.as_mut_ptr().add(v * 4), aw[v]);
            st(ob.as_mut_ptr().add(v * 4), ab[v]);
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

/// out[N,C] = x·rsqrt(mean(x²) + eps)·w; saves rstd[N]. Units: rows.
#[no_mangle]
pub unsafe extern "C" fn kiln_rmsnorm(out: *mut f32, rstd: *mut f32, x: *const f32, w: *const f32, c: usize, eps: f32, lo: usize, hi: usize) {
    for r in lo..hi {
        let xr = x.add(r * c);
        let o = out.add(r * c);
        let rs = 1.0 / sqrt(sum_sq_dev(xr, c, 0.0) / c as f32 + eps);
        *rstd.add(r) = rs;
        let vr = f32x4_splat(rs);
        let mut i = 0;
        while i + 4 <= c {
            st(o.add(i), f32x4_mul(f32x4_mul(ld(xr.add(i)), vr), ld(w.add(i))));
            i += 4;
        }
        while i < c {
            *o.add(i) = *xr.add(i) * rs * *w.add(i);
            i += 1;
        }
    }
}

/// dx[N,C] += RMSNorm input gradient. Units: rows.
#[no_mangle]
pub unsafe extern "C" fn kiln_rmsnorm_backward_dx(dx: *mut f32, dout: *const f32, x: *const f32, w: *const f32, rstd: *const f32, c: usize, lo: usize, hi: usize) {
    for r in lo..hi {
        let (xr, dr, dxr) = (x.add(r * c), dout.add(r * c), dx.add(r * c));
        let rs = *rstd.add(r);
        let vr = f32x4_splat(rs);
        let mut a = f32x4_splat(0.0);
        let mut i = 0;
        while i + 4 <= c {
            let nv = f32x4_mul(ld(xr.add(i)), vr);
            a = f32x4_add(a, f32x4_mul(f32x4_mul(ld(dr.add(i)), ld(w.add(i))), nv));
            i += 4;
        }
        let mut s = hsum(a);
        while i < c {
            s += *dr.add(i) * *w.add(i) * (*xr.add(i) * rs);
            i += 1;
        }
        let mdnn = s / c as f32;
        let vmd = f32x4_splat(mdnn);
        let mut i = 0;
        while i + 4 <= c {
            let nv = f32x4_mul(ld(xr.add(i)), vr);
            let dn = f32x4_mul(ld(dr.add(i)), ld(w.add(i)));
            let g = f32x4_mul(f32x4_sub(dn, f32x4_mul(nv, vmd)), vr);
            st(dxr.add(i), f32x4_add(ld(dxr.add(i)), g));
            i += 4;
        }
        while i < c {
            let nv = *xr.add(i) * rs;
            let dn = *dr.add(i) * *w.add(i);
            *dxr.add(i) += (dn - nv * mdnn) * rs;
            i += 1;
        }
    }
}
