//! Fused multi-head attention on packed qkv (B,T,(H+2·Hkv)·D), forward and
//! backward, with causal and segment masks and grouped KV heads. Only one
//! row of T scores per thread is ever stored (in `scratch`); the backward
//! pass recomputes the probabilities from the saved log-sum-exp.
use crate::simd::{axpy, dot, log, exp};

struct Shape {
    t: usize,
    h: usize,
    hkv: usize,
    d: usize,
    width: usize,
}

impl Shape {
    fn new(t: usize, h: usize, hkv: usize, d: usize) -> Shape {
        Shape { t, h, hkv, d, width: (h + 2 * hkv) * d }
    }
    /// Element offsets of query head `h`, key head `g`, value head `g` in row (b, t).
    fn q(&self, b: usize, t: usize, h: usize) -> usize {
        (b * self.t + t) * self.width + h * self.d
    }
    fn k(&self, b: usize, t: usize, g: usize) -> usize {
        (b * self.t + t) * self.width + (self.h + g) * self.d
    }
    fn v(&self, b: usize, t: usize, g: usize) -> usize {
        (b * self.t + t) * self.width + (self.h + self.hkv + g) * self.d
    }
    fn o(&self, b: usize, t: usize, h: usize) -> usize {
        (b * self.t + t) * self.h * self.d + h * self.d
    }
}

#[inline(always)]
unsafe fn visible(seg: *const i32, b: usize, t_len: usize, i: usize, j: usize) -> bool {
    seg.is_null() || *seg.add(b * t_len + i) == *seg.add(b * t_len + j)
}

/// out = softmax(scale·q·kᵀ + mask)·v; lse[b,h,t] saved. Units: b·H + h.
/// `segments` may be null; `causal` is 0 or 1.
#[no_mangle]
pub unsafe extern "C" fn kiln_attention(
    out: *mut f32, lse: *mut f32, qkv: *const f32, segments: *const i32,
    t_len: usize, h: usize, hkv: usize, d: usize, causal: u32, scale: f32,
    lo: usize, hi: usize, scratch: *mut f32,
) {
    let s = Shape::new(t_len, h, hkv, d);
    let rep = h / hkv;
    for u in lo..hi {
        let (b, hq) = (u / h, u % h);
        let g = hq / rep;
        for i in 0..t_len {
            let q = qkv.add(s.q(b, i, hq));
            let end = if causal != 0 { i + 1 } else { t_len };
            let mut m = f32::NEG_INFINITY;
            for j in 0..end {
                let sc = if visible(segments, b, t_len, i, j) { scale * dot(q, qkv.add(s.k(b, j, g)), d) } else { f32::NEG_INFINITY };
                *scratch.add(j) = sc;
                if sc > m {
                    m = sc;
                }
            }
            let o = out.add(s.o(b, i, hq));
            for c in 0..d {
                *o.add(c) = 0.0;
            }
            let mut sum = 0.0f32;
            for j in 0..end {
                let sc = *scratch.add(j);
                if sc == f32::NEG_INFINITY {
                    continue;
                }
                let p = exp(sc - m);
                sum += p;
                axpy(o, qkv.add(s.v(b, j, g)), p, d);
            }
            let inv = 1.0 / sum;
            for c in 0..d {
                *o.add(c) *= inv;
            }
            *lse.add(u * t_len + i) = m + log(sum);
        }
    }
}

/// Accumulates dq, dk, dv into dqkv. Units: b·Hkv + g (a KV head owns every
/// query head that reads it, so dk/dv sums never cross threads).
#[no_mangle]
pub unsafe extern "C" fn kiln_attention_backward(
    dqkv: *mut f32, dout: *const f32, qkv: *const f32, out: *const f32, lse: *const f32, segments: *const i32,
    t_len: usize, h: usize, hkv: usize, d: usize, causal: u32, scale: f32,
    lo: usize, hi: usize, _scratch: *mut f32,
) {
    let s = Shape::new(t_len, h, hkv, d);
    let rep = h / hkv;
    for u in lo..hi {
        let (b, g) = (u / hkv, u % hkv);
        for hq in g * rep..(g + 1) * rep {
            for i in 0..t_len {
                let q = qkv.add(s.q(b, i, hq));
                let dq = dqkv.add(s.q(b, i, hq));
                let dor = dout.add(s.o(b, i, hq));
                let delta = dot(dor, out.add(s.o(b, i, hq)), d);
                let l = *lse.add((b * h + hq) * t_len + i);
                let end = if causal != 0 { i + 1 } else { t_len };
                for j in 0..end {
                    if !visible(segments, b, t_len, i, j) {
                        continue;
                    }
                    let k = qkv.add(s.k(b, j, g));
                    let v = qkv.add(s.v(b, j, g));
                    let p = exp(scale * dot(q, k, d) - l);
                    let dp = dot(dor, v, d);
                    let ds = p * (dp - delta) * scale;
                    axpy(dq, k, ds, d);
                    axpy(dqkv.add(s.k(b, j, g)), q, ds, d);
                    axpy(dqkv.add(s.v(b, j, g)), dor, p, d);
                }
            }
        }
    }
}

/// Generation with a KV cache: writes the Tq new keys/values into rows
/// pos..pos+Tq of kCache/vCache (B,Tmax,Hkv·D), then query t attends
/// causally to cache rows 0..=pos+t. Units: b·Hkv + g (a unit writes only
/// its own KV head's cache rows before reading them, so no thread waits).
#[no_mangle]
pub unsafe extern "C" fn kiln_attention_kv(
    out: *mut f32, kcache: *mut f32, vcache: *mut f32, qkv: *const f32,
    tq: usize, tmax: usize, pos: usize, h: usize, hkv: usize, d: usize, scale: f32,
    lo: usize, hi: usize, scratch: *mut f32,
) {
    let s = Shape::new(tq, h, hkv, d);
    let rep = h / hkv;
    let cache_row = |b: usize, t: usize, g: usize| (b * tmax + t) * hkv * d + g * d;
    for u in lo..hi {
        let (b, g) = (u / hkv, u % hkv);
        for t in 0..tq {
            core::ptr::copy_nonoverlapping(qkv.add(s.k(b, t, g)), kcache.add(cache_row(b, pos + t, g)), d);
            core::ptr::copy_nonoverlapping(qkv.add(s.v(b, t, g)), vcache.add(cache_row(b, pos + t, g)), d);
        }
        for hq in g * rep..(g + 1) * rep {
            for t in 0..tq {
                let q = qkv.add(s.q(b, t, hq));
                let end = pos + t + 1;
                let mut m = f32::NEG_INFINITY;
                for j in 0..end {
                    let sc = scale * dot(q, kcache.add(cache_row(b, j, g)), d);
                    *scratch.add(j) = sc;
                    if sc > m {
                        m = sc;
                    }
                }
                let o = out.add(s.o(b, t, hq));
                for c in 0..d {
                    *o.add(c) = 0.0;
                }
                let mut sum = 0.0f32;
                for j in 0..end {
                    let p = exp(*scratch.add(j) - m);
                    sum += p;
                    axpy(o, vcache.add(cache_row(b, j, g)), p, d);
                }
                let inv = 1.0 / sum;
                for c in 0..d {
                    *o.add(c) *= inv;
                }
            }
        }
    }
}
