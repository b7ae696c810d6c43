//! Elementwise kernels (units: elements) and the bias gradient (units: columns).
use crate::simd::{ld, st, tanh4};
use crate::v4::*;

/// out = a + b. Units: elements.
#[no_mangle]
pub unsafe extern "C" fn kiln_add(out: *mut f32, a: *const f32, b: *const f32, lo: usize, hi: usize) {
    let mut i = lo;
    while i + 4 <= hi {
        st(out.add(i), f32x4_add(ld(a.add(i)), ld(b.add(i))));
        i += 4;
    }
    while i < hi {
        *out.add(i) = *a.add(i) + *b.add(i);
        i += 1;
    }
}

/// y += alpha * x. Units: elements.
#[no_mangle]
pub unsafe extern "C" fn kiln_axpy(y: *mut f32, x: *const f32, alpha: f32, lo: usize, hi: usize) {
    crate::simd::axpy(y.add(lo), x.add(lo), alpha, hi.saturating_sub(lo));
}

/// x *= alpha. Units: elements.
#[no_mangle]
pub unsafe extern "C" fn kiln_scale(x: *mut f32, alpha: f32, lo: usize, hi: usize) {
    crate::simd::scale_by(x.add(lo), alpha, hi.saturating_sub(lo));
}

const GELU_K: f32 = 0.7978845608028654; // sqrt(2/pi)
const GELU_C: f32 = 0.044715;

#[inline(always)]
fn gelu4(x: v128) -> v128 {
    let x3 = f32x4_mul(f32x4_mul(x, x), x);
    let inner = f32x4_mul(f32x4_splat(GELU_K), f32x4_add(x, f32x4_mul(f32x4_splat(GELU_C), x3)));
    let t = tanh4(inner);
    f32x4_mul(f32x4_mul(f32x4_splat(0.5), x), f32x4_add(f32x4_splat(1.0), t))
}

/// d gelu(x) / dx.
#[inline(always)]
fn gelu_grad4(x: v128) -> v128 {
    let x2 = f32x4_mul(x, x);
    let inner = f32x4_mul(f32x4_splat(GELU_K), f32x4_add(x, f32x4_mul(f32x4_splat(GELU_C), f32x4_mul(x2, x))));
    let t = tanh4(inner);
    let sech2 = f32x4_sub(f32x4_splat(1.0), f32x4_mul(t, t));
    let dinner = f32x4_mul(f32x4_splat(GELU_K), f32x4_add(f32x4_splat(1.0), f32x4_mul(f32x4_splat(3.0 * GELU_C), x2)));
    let half = f32x4_splat(0.5);
    f32x4_add(f32x4_mul(half, f32x4_add(f32x4_splat(1.0), t)), f32x4_mul(f32x4_mul(half, x), f32x4_mul(sech2, dinner)))
}

/// Runs a 4-lane function over lo..hi, the tail through a zero-padded vector.
#[inline(always)]
unsafe fn map1(out: *mut f32, x: *const f32, lo: usize, hi: usize, f: impl Fn(v128) -> v128) {
    let mut i = lo;
    while i + 4 <= hi {
        st(out.add(i), f(ld(x.add(i))));
        i += 4;
    }
    if i < hi {
        let mut buf = [0.0f32; 4];
        for j in 0..hi - i {
            buf[j] = *x.add(i + j);
        }
        let r = f(ld(buf.as_ptr()));
        st(buf.as_mut_ptr(), r);
        for j in 0..hi - i {
            *out.add(i + j) = buf[j];
        }
    }
}

/// GELU, tanh approximation. Units: elements.
#[no_mangle]
pub unsafe extern "C" fn kiln_gelu(out: *mut f32, x: *const f32, lo: usize, hi: usize) {
    map1(out, x, lo, hi, gelu4);
}

/// dx += dout * gelu'(x). Units: elements.
#[no_mangle]
pub unsafe extern "C" fn kiln_gelu_backward(dx: *mut f32, dout: *const f32, x: *const f32, lo: usize, hi: usize) {
    let mut i = lo;
    while i + 4 <= hi {
        let g = f32x4_mul(gelu_grad4(ld(x.add(i))), ld(dout.add(i)));
        st(dx.add(i), f32x4_add(ld(dx.add(i)), g));
        i += 4;
    }
    while i < hi {
        let mut buf = [0.0f32; 4];
        buf[0] = *x.add(i);
        st(buf.as_mut_ptr(), gelu_grad4(ld(buf.as_ptr())));
        *dx.add(i) += buf[0] * *dout.add(i);
        i += 1;
    }
}

#[inline(always)]
fn sigmoid4(x: v128) -> v128 {
    let e = crate::simd::exp4(f32x4_neg(x));
    f32x4_div(f32x4_splat(1.0), f32x4_add(f32x4_splat(1.0), e))
}

/// x is [N, 2F] = [gate | up]; out[N,F] = silu(gate) * up. Units: rows.
#[no_mangle]
pub unsafe extern "C" fn kiln_swiglu(out: *mut f32, x: *const f32, f: usize, lo: usize, hi: usize) {
    for r in lo..hi {
        let g = x.add(r * 2 * f);
        let u = g.add(f);
        let o = out.add(r * f);
        let mut j = 0;
        while j < f {
            let mut gb = [0.0f32; 4];
            let mut ub = [0.0f32; 4];
            let w = if f - j < 4 { f - j } else { 4 };
            let (gv, uv) = if w == 4 {
                (ld(g.add(j)), ld(u.add(j)))
            } else {
                for t in 0..w {
                    gb[t] = *g.add(j + t);
                    ub[t] = *u.add(j + t);
                }
                (ld(gb.as_ptr()), ld(ub.as_ptr()))
            };
            let r4 = f32x4_mul(f32x4_mul(gv, sigmoid4(gv)), uv);
            if w == 4 {
                st(o.add(j), r4);
            } else {
                st(gb.as_mut_ptr(), r4);
                for t in 0..w {
                    *o.add(j + t) = gb[t];
                }
            }
            j += 4;
        }
    }
}

/// dx[N,2F] += d(silu(gate)*up). Units: rows.
#[no_mangle]
pub unsafe extern "C" fn kiln_swiglu_backward(dx: *mut f32, dout: *const f32, x: *const f32, f: usize, lo: usize, hi: usize) {
    for r in lo..hi {
        let g = x.add(r * 2 * f);
        let u = g.add(f);
        let dg = dx.add(r * 2 * f);
        let du = dg.add(f);
        let d = dout.add(r * f);
        let mut j = 0;
        while j < f {
            let w = if f - j < 4 { f - j } else { 4 };
            let mut b = [[0.0f32; 4]; 5];
            for t in 0..w {
                b[0][t] = *g.add(j + t);
                b[1][t] = *u.add(j + t);
                b[2][t] = *d.add(j + t);
                b[3][t] = *dg.add(j + t);
                b[4][t] = *du.add(j + t);
            }
            let gv = ld(b[0].as_ptr());
            let uv = ld(b[1].as_ptr());
            let dv = ld(b[2].as_ptr());
            let s = sigmoid4(gv);
            let silu = f32x4_mul(gv, s);
            // silu'(g) = s * (1 + g * (1 - s))
            let dsilu = f32x4_mul(s, f32x4_add(f32x4_splat(1.0), f32x4_mul(gv, f32x4_sub(f32x4_splat(1.0), s))));
            st(b[3].as_mut_ptr(), f32x4_add(ld(b[3].as_ptr()), f32x4_mul(f32x4_mul(dv, uv), dsilu)));
            st(b[4].as_mut_ptr(), f32x4_add(ld(b[4].as_ptr()), f32x4_mul(dv, silu)));
            for t in 0..w {
                *dg.add(j + t) = b[3][t];
                *du.add(j + t) = b[4][t];
            }
            j += 4;
        }
    }
}

/// dbias[j] += sum over rows of dout[:, j]. Units: columns. Columns go in
/// blocks of 64 so each row read is a contiguous 256-byte run.
#[no_mangle]
pub unsafe extern "C" fn kiln_bias_backward(dbias: *mut f32, dout: *const f32, m: usize, n: usize, lo: usize, hi: usize) {
    let mut j = lo;
    while j + 4 <= hi {
        let vecs = core::cmp::min(16, (hi - j) / 4);
        let mut acc = [f32x4_splat(0.0); 16];
        for i in 0..m {
            let row = dout.add(i * n + j);
            for v in 0..vecs {
                acc[v] = f32x4_add(acc[v], ld(row.add(v * 4)));
            }
        }
        for v in 0..vecs {
            let p = dbias.add(j + v * 4);
            st(p, f32x4_add(ld(p), acc[v]));
        }
        j += vecs * 4;
    }
    while j < hi {
        let mut s = 0.0f32;
        for i in 0..m {
            s += *dout.add(i * n + j);
        }
        *dbias.add(j) += s;
        j += 1;
    }
}
