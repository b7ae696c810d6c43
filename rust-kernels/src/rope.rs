//! Rotary embeddings on packed qkv rows (units: rows b·T + t). The caller
//! passes cos/sin tables [T, D/2] computed in f64, so long positions keep
//! their accuracy. "Rotate half" pairing: i with i + D/2.

/// Rotates query and key heads, copies value heads. May run in place.
#[no_mangle]
pub unsafe extern "C" fn kiln_rope(
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
            for i in 0..half {
                let (a, b) = (*xh.add(i), *xh.add(i + half));
                let (c, s) = (*cr.add(i), *sr.add(i));
                *oh.add(i) = a * c - b * s;
                *oh.add(i + half) = b * c + a * s;
            }
        }
        if out as *const f32 != inp {
            core::ptr::copy(x.add((h + hkv) * d), o.add((h + hkv) * d), hkv * d);
        }
    }
}

/// dinp += inverse rotation of dout (value heads pass through).
#[no_mangle]
pub unsafe extern "C" fn kiln_rope_backward(
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
            for i in 0..half {
                let (a, b) = (*gh.add(i), *gh.add(i + half));
                let (c, s) = (*cr.add(i), *sr.add(i));
                *dh.add(i) += a * c + b * s;
                *dh.add(i + half) += b * c - a * s;
            }
        }
        let (gv, dv) = (g.add((h + hkv) * d), dx.add((h + hkv) * d));
        for i in 0..hkv * d {
            *dv.add(i) += *gv.add(i);
        }
    }
}
