//! AdamW (units: elements) and the squared-norm reduction (units: chunks),
//! at the CPU's full vector width (see `lanes`).
use crate::lanes::{each_vector, widest, Lanes};

widest! {
    /// PyTorch's AdamW with gradient scaling (clipping) folded in:
    /// p -= lr·wd·p; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
    /// p -= step_size · m / (sqrt(v)/bc2_sqrt + eps), step_size = lr/(1-β1^t).
    pub unsafe extern "C" fn kiln_adamw(
        param: *mut f32, grad: *const f32, m: *mut f32, v: *mut f32,
        decay: f32, beta1: f32, beta2: f32, eps: f32, step_size: f32, bc2_sqrt: f32, grad_scale: f32,
        lo: usize, hi: usize,
    ) => adamw;
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn adamw<L: Lanes>(
    param: *mut f32, grad: *const f32, m: *mut f32, v: *mut f32,
    decay: f32, beta1: f32, beta2: f32, eps: f32, step_size: f32, bc2_sqrt: f32, grad_scale: f32,
    lo: usize, hi: usize,
) {
    let (vb1, vb2) = (L::splat(beta1), L::splat(beta2));
    let (vb1c, vb2c) = (L::splat(1.0 - beta1), L::splat(1.0 - beta2));
    let (vdec, veps, vss, vbc, vgs) = (L::splat(decay), L::splat(eps), L::splat(step_size), L::splat(bc2_sqrt), L::splat(grad_scale));
    each_vector!(L, i, n in lo, hi => {
        let g = L::mul(L::load_n(grad.add(i), n), vgs);
        let mm = L::mul_add(vb1, L::load_n(m.add(i), n), L::mul(vb1c, g));
        let vv = L::mul_add(vb2, L::load_n(v.add(i), n), L::mul(vb2c, L::mul(g, g)));
        L::store_n(m.add(i), mm, n);
        L::store_n(v.add(i), vv, n);
        let denom = L::add(L::div(L::sqrt(vv), vbc), veps);
        let p = L::mul(L::load_n(param.add(i), n), vdec);
        L::store_n(param.add(i), L::neg_mul_add(vss, L::div(mm, denom), p), n);
    });
}

widest! {
    /// partials[c] = Σ x[i]² over chunk c (elements c·chunk .. min(n, (c+1)·chunk)).
    /// The caller sums the partials in order, so the result is thread-independent.
    pub unsafe extern "C" fn kiln_sum_squares_partial(partials: *mut f32, x: *const f32, n: usize, chunk: usize, lo: usize, hi: usize) => sum_squares_partial;
}

#[inline(always)]
unsafe fn sum_squares_partial<L: Lanes>(partials: *mut f32, x: *const f32, n: usize, chunk: usize, lo: usize, hi: usize) {
    for c in lo..hi {
        let start = c * chunk;
        let end = core::cmp::min(n, start + chunk);
        *partials.add(c) = crate::lanes::math::dot::<L>(x.add(start), x.add(start), end.saturating_sub(start));
    }
}
