//! Elementwise kernels (units: elements) and the bias gradient (units:
//! columns), at the CPU's full vector width (see `lanes`).
use crate::lanes::math::{sigmoid, tanh};
use crate::lanes::{each_vector, widest, Lanes};

widest! {
    /// out = a + b. Units: elements.
    pub unsafe extern "C" fn kiln_add(out: *mut f32, a: *const f32, b: *const f32, lo: usize, hi: usize) => add;
}

#[inline(always)]
unsafe fn add<L: Lanes>(out: *mut f32, a: *const f32, b: *const f32, lo: usize, hi: usize) {
    let mut i = lo;
    while i + L::N <= hi {
        L::store(out.add(i), L::add(L::load(a.add(i)), L::load(b.add(i))));
        i += L::N;
    }
    while i < hi {
        *out.add(i) = *a.add(i) + *b.add(i);
        i += 1;
    }
}

widest! {
    /// y += alpha * x. Units: elements.
    pub unsafe extern "C" fn kiln_axpy(y: *mut f32, x: *const f32, alpha: f32, lo: usize, hi: usize) => axpy;
}

#[inline(always)]
unsafe fn axpy<L: Lanes>(y: *mut f32, x: *const f32, alpha: f32, lo: usize, hi: usize) {
    crate::lanes::math::axpy::<L>(y.add(lo), x.add(lo), alpha, hi.saturating_sub(lo));
}

widest! {
    /// x *= alpha. Units: elements.
    pub unsafe extern "C" fn kiln_scale(x: *mut f32, alpha: f32, lo: usize, hi: usize) => scale;
}

#[inline(always)]
unsafe fn scale<L: Lanes>(x: *mut f32, alpha: f32, lo: usize, hi: usize) {
    crate::lanes::math::scale_by::<L>(x.add(lo), alpha, hi.saturating_sub(lo));
}

const GELU_K: f32 = 0.7978845608028654; // sqrt(2/pi)
const GELU_C: f32 = 0.044715;

#[inline(always)]
unsafe fn gelu<L: Lanes>(x: L::V) -> L::V {
    let x3 = L::mul(L::mul(x, x), x);
    let inner = L::mul(L::splat(GELU_K), L::mul_add(L::splat(GELU_C), x3, x));
    let t = tanh::<L>(inner);
    L::mul(L::mul(L::splat(0.5), x), L::add(L::splat(1.0), t))
}

/// d gelu(x) / dx.
#[inline(always)]
unsafe fn gelu_grad<L: Lanes>(x: L::V) -> L::V {
    let x2 = L::mul(x, x);
    let inner = L::mul(L::splat(GELU_K), L::mul_add(L::splat(GELU_C), L::mul(x2, x), x));
    let t = tanh::<L>(inner);
    let sech2 = L::neg_mul_add(t, t, L::splat(1.0));
    let dinner = L::mul(L::splat(GELU_K), L::mul_add(L::splat(3.0 * GELU_C), x2, L::splat(1.0)));
    let half = L::splat(0.5);
    L::mul_add(L::mul(half, x), L::mul(sech2, dinner), L::mul(half, L::add(L::splat(1.0), t)))
}

widest! {
    /// GELU, tanh approximation. Units: elements.
    pub unsafe extern "C" fn kiln_gelu(out: *mut f32, x: *const f32, lo: usize, hi: usize) => gelu_rows;
}

#[inline(always)]
unsafe fn gelu_rows<L: Lanes>(out: *mut f32, x: *const f32, lo: usize, hi: usize) {
    each_vector!(L, i, n in lo, hi => {
        L::store_n(out.add(i), gelu::<L>(L::load_n(x.add(i), n)), n);
    });
}

widest! {
    /// dx += dout * gelu'(x). Units: elements.
    pub unsafe extern "C" fn kiln_gelu_backward(dx: *mut f32, dout: *const f32, x: *const f32, lo: usize, hi: usize) => gelu_backward;
}

#[inline(always)]
unsafe fn gelu_backward<L: Lanes>(dx: *mut f32, dout: *const f32, x: *const f32, lo: usize, hi: usize) {
    each_vector!(L, i, n in lo, hi => {
        let g = gelu_grad::<L>(L::load_n(x.add(i), n));
        L::store_n(dx.add(i), L::mul_add(g, L::load_n(dout.add(i), n), L::load_n(dx.add(i), n)), n);
    });
}

widest! {
    /// x is [N, 2F] = [gate | up]; out[N,F] = silu(gate) * up. Units: rows.
    pub unsafe extern "C" fn kiln_swiglu(out: *mut f32, x: *const f32, f: usize, lo: usize, hi: usize) => swiglu;
}

#[inline(always)]
unsafe fn swiglu<L: Lanes>(out: *mut f32, x: *const f32, f: usize, lo: usize, hi: usize) {
    for r in lo..hi {
        let g = x.add(r * 2 * f);
        let u = g.add(f);
        let o = out.add(r * f);
        each_vector!(L, j, n in 0, f => {
            let gv = L::load_n(g.add(j), n);
            L::store_n(o.add(j), L::mul(L::mul(gv, sigmoid::<L>(gv)), L::load_n(u.add(j), n)), n);
        });
    }
}

widest! {
    /// dx[N,2F] += d(silu(gate)*up). Units: rows.
    pub unsafe extern "C" fn kiln_swiglu_backward(dx: *mut f32, dout: *const f32, x: *const f32, f: usize, lo: usize, hi: usize) => swiglu_backward;
}

#[inline(always)]
unsafe fn swiglu_backward<L: Lanes>(dx: *mut f32, dout: *const f32, x: *const f32, f: usize, lo: usize, hi: usize) {
    for r in lo..hi {
        let g = x.add(r * 2 * f);
        let u = g.add(f);
        let dg = dx.add(r * 2 * f);
        let du = dg.add(f);
        let d = dout.add(r * f);
        each_vector!(L, j, n in 0, f => {
            let gv = L::load_n(g.add(j), n);
            let uv = L::load_n(u.add(j), n);
            let dv = L::load_n(d.add(j), n);
            let s = sigmoid::<L>(gv);
            let silu = L::mul(gv, s);
            // silu'(g) = s * (1 + g * (1 - s))
            let dsilu = L::mul(s, L::mul_add(gv, L::sub(L::splat(1.0), s), L::splat(1.0)));
            L::store_n(dg.add(j), L::mul_add(L::mul(dv, uv), dsilu, L::load_n(dg.add(j), n)), n);
            L::store_n(du.add(j), L::mul_add(dv, silu, L::load_n(du.add(j), n)), n);
        });
    }
}

widest! {
    /// dbias[j] += sum over rows of dout[:, j]. Units: columns. Columns go
    /// in blocks of 16 vectors so each row read is one contiguous run.
    pub unsafe extern "C" fn kiln_bias_backward(dbias: *mut f32, dout: *const f32, m: usize, n: usize, lo: usize, hi: usize) => bias_backward;
}

#[inline(always)]
unsafe fn bias_backward<L: Lanes>(dbias: *mut f32, dout: *const f32, m: usize, n: usize, lo: usize, hi: usize) {
    let mut j = lo;
    while j + L::N <= hi {
        let vecs = core::cmp::min(16, (hi - j) / L::N);
        let mut acc = [L::splat(0.0); 16];
        for i in 0..m {
            let row = dout.add(i * n + j);
            #[allow(clippy::needless_range_loop)]
            for v in 0..vecs {
                acc[v] = L::add(acc[v], L::load(row.add(v * L::N)));
            }
        }
        #[allow(clippy::needless_range_loop)]
        for v in 0..vecs {
            let p = dbias.add(j + v * L::N);
            L::store(p, L::add(L::load(p), acc[v]));
        }
        j += vecs * L::N;
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
