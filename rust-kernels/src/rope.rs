//! Rotary embeddings on packed qkv rows (units: rows b·T + t). The caller
//! passes cos/sin tables [T, D/2] computed in f64, so long positions keep
//! their accuracy. "Rotate half" pairing: i with i + D/2. At the CPU's full
//! vector width (see `lanes`).
use crate::lanes::{each_vector, widest, Lanes};

widest! {
    /// Rotates query and key heads, copies value heads. May run in place.
    pub unsafe extern "C" fn kiln_rope(
        out: *mut f32, inp: *const f32, cos: *const f32, sin: *const f32,
        t_len: usize, h: usize, hkv: usize, d: usize, lo: usize, hi: usize,
    ) => rope;
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn rope<L: Lanes>(
    out: *mut f32, inp: *const f32, cos: *const f32, sin: *const f32,
    t_len: usize, h: usize, hkv: usize, d: usize, lo: usize, hi: usize,
) {
    let width = (h + 2 * hkv) * d;
    let half = d / 2;
    for r in lo..hi {
        let t = r % t_len;
        let (cr, sr) = (cos.add(t * half), sin.add(t * half));
        let x = inp.add(r * width);
        let o = out.add(r * width);
        for head in 0..h + hkv {
            let (xh, oh) = (x.add(head * d), o.add(head * d));
            // Both halves are loaded before either is stored: in place is safe.
            each_vector!(L, i, n in 0, half => {
                let (a, b) = (L::load_n(xh.add(i), n), L::load_n(xh.add(i + half), n));
                let (c, s) = (L::load_n(cr.add(i), n), L::load_n(sr.add(i), n));
                L::store_n(oh.add(i), L::neg_mul_add(b, s, L::mul(a, c)), n);
                L::store_n(oh.add(i + half), L::mul_add(a, s, L::mul(b, c)), n);
            });
        }
        if out as *const f32 != inp {
            core::ptr::copy(x.add((h + hkv) * d), o.add((h + hkv) * d), hkv * d);
        }
    }
}

widest! {
    /// dinp += inverse rotation of dout (value heads pass through).
    pub unsafe extern "C" fn kiln_rope_backward(
        dinp: *mut f32, dout: *const f32, cos: *const f32, sin: *const f32,
        t_len: usize, h: usize, hkv: usize, d: usize, lo: usize, hi: usize,
    ) => rope_backward;
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn rope_backward<L: Lanes>(
    dinp: *mut f32, dout: *const f32, cos: *const f32, sin: *const f32,
    t_len: usize, h: usize, hkv: usize, d: usize, lo: usize, hi: usize,
) {
    let width = (h + 2 * hkv) * d;
    let half = d / 2;
    for r in lo..hi {
        let t = r % t_len;
        let (cr, sr) = (cos.add(t * half), sin.add(t * half));
        let g = dout.add(r * width);
        let dx = dinp.add(r * width);
        for head in 0..h + hkv {
            let (gh, dh) = (g.add(head * d), dx.add(head * d));
            each_vector!(L, i, n in 0, half => {
                let (a, b) = (L::load_n(gh.add(i), n), L::load_n(gh.add(i + half), n));
                let (c, s) = (L::load_n(cr.add(i), n), L::load_n(sr.add(i), n));
                let lo_grad = L::mul_add(b, s, L::mul(a, c));
                let hi_grad = L::neg_mul_add(a, s, L::mul(b, c));
                L::store_n(dh.add(i), L::add(L::load_n(dh.add(i), n), lo_grad), n);
                L::store_n(dh.add(i + half), L::add(L::load_n(dh.add(i + half), n), hi_grad), n);
            });
        }
        let (gv, dv) = (g.add((h + hkv) * d), dx.add((h + hkv) * d));
        let mut i = 0;
        while i + L::N <= hkv * d {
            L::store(dv.add(i), L::add(L::load(dv.add(i)), L::load(gv.add(i))));
            i += L::N;
        }
        while i < hkv * d {
            *dv.add(i) += *gv.add(i);
            i += 1;
        }
    }
}
