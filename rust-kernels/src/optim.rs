//! AdamW (units: elements) and the squared-norm reduction (units: chunks).
use crate::simd::{hsum, ld, st};
use crate::v4::*;

/// PyTorch's AdamW with gradient scaling (clipping) folded in:
/// p -= lr·wd·p; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
/// p -= step_size · m / (sqrt(v)/bc2_sqrt + eps), step_size = lr/(1-β1^t).
#[no_mangle]
pub unsafe extern "C" fn kiln_adamw(
    param: *mut f32, grad: *const f32, m: *mut f32, v: *mut f32,
    decay: f32, beta1: f32, beta2: f32, eps: f32, step_size: f32, bc2_sqrt: f32, grad_scale: f32,
    lo: usize, hi: usize,
) {
    let (vb1, vb2) = (f32x4_splat(beta1), f32x4_splat(beta2));
    let (vb1c, vb2c) = (f32x4_splat(1.0 - beta1), f32x4_splat(1.0 - beta2));
    let (vdec, veps, vss, vbc, vgs) = (f32x4_splat(decay), f32x4_splat(eps), f32x4_splat(step_size), f32x4_splat(bc2_sqrt), f32x4_splat(grad_scale));
    let mut i = lo;
    while i + 4 <= hi {
        let g = f32x4_mul(ld(grad.add(i)), vgs);
        let mm = f32x4_add(f32x4_mul(vb1, ld(m.add(i))), f32x4_mul(vb1c, g));
        let vv = f32x4_add(f32x4_mul(vb2, ld(v.add(i))), f32x4_mul(vb2c, f32x4_mul(g, g)));
        st(m.add(i), mm);
        st(v.add(i), vv);
        let denom = f32x4_add(f32x4_div(f32x4_sqrt(vv), vbc), veps);
        let p = f32x4_mul(ld(param.add(i)), vdec);
        st(param.add(i), f32x4_sub(p, f32x4_mul(vss, f32x4_div(mm, denom))));
        i += 4;
    }
    while i < hi {
        let g = *grad.add(i) * grad_scale;
        let mm = beta1 * *m.add(i) + (1.0 - beta1) * g;
        let vv = beta2 * *v.add(i) + (1.0 - beta2) * (g * g);
        *m.add(i) = mm;
        *v.add(i) = vv;
        let denom = crate::simd::sqrt(vv) / bc2_sqrt + eps;
        *param.add(i) = *param.add(i) * decay - step_size * (mm / denom);
        i += 1;
    }
}

/// partials[c] = Σ x[i]² over chunk c (elements c·chunk .. min(n, (c+1)·chunk)).
/// The caller sums the partials in order, so the result is thread-independent.
#[no_mangle]
pub unsafe extern "C" fn kiln_sum_squares_partial(partials: *mut f32, x: *const f32, n: usize, chunk: usize, lo: usize, hi: usize) {
    for c in lo..hi {
        let start = c * chunk;
        let end = core::cmp::min(n, start + chunk);
        let mut a0 = f32x4_splat(0.0);
        let mut a1 = f32x4_splat(0.0);
        let mut i = start;
        while i + 8 <= end {
            let v0 = ld(x.add(i));
            let v1 = ld(x.add(i + 4));
            a0 = f32x4_add(a0, f32x4_mul(v0, v0));
            a1 = f32x4_add(a1, f32x4_mul(v1, v1));
            i += 8;
        }
        let mut s = hsum(f32x4_add(a0, a1));
        while i < end {
            s += *x.add(i) * *x.add(i);
            i += 1;
        }
        *partials.add(c) = s;
    }
}
