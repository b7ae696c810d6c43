//! Kernel ids → calls. The order of KERNELS is the dispatch id the JS side
//! sends; plugins/backend-wasm/src/kernels.ts keeps the same list and the
//! native backend refuses to load when the two differ. Arguments arrive as
//! f64 (JS numbers), as the wasm exports receive them, and are converted to
//! each kernel's parameter types here; `lo, hi, scratch` come last.
use crate::{adamw::*, attention::*, cross_entropy::*, embedding::*, matmul::*, memory::*, norm::*, pointwise::*, quant::*, rope::*};

pub const KERNELS: [&str; 30] = [
    "kiln_matmul", "kiln_bias_backward",
    "kiln_embedding", "kiln_embedding_backward",
    "kiln_layernorm", "kiln_layernorm_backward_dx", "kiln_norm_backward_dw",
    "kiln_rmsnorm", "kiln_rmsnorm_backward_dx",
    "kiln_attention", "kiln_attention_backward", "kiln_rope", "kiln_rope_backward",
    "kiln_gelu", "kiln_gelu_backward", "kiln_swiglu", "kiln_swiglu_backward",
    "kiln_add", "kiln_axpy", "kiln_scale",
    "kiln_cross_entropy", "kiln_cross_entropy_backward",
    "kiln_sum_squares_partial", "kiln_adamw",
    "kiln_fill_bytes", "kiln_fill32", "kiln_copy_bytes",
    "kiln_attention_kv", "kiln_matmul_q", "kiln_embedding_q",
];

/// Number of f64 arguments each kernel takes before `lo, hi`.
pub const ARITY: [usize; 30] = [8, 4, 4, 5, 8, 7, 8, 6, 6, 10, 12, 8, 8, 2, 3, 3, 4, 3, 3, 2, 6, 7, 4, 11, 2, 2, 2, 11, 11, 7];

struct Args<'a>(&'a [f64]);

impl Args<'_> {
    fn p<T>(&self, i: usize) -> *mut T {
        self.0[i] as u64 as usize as *mut T
    }
    fn u(&self, i: usize) -> usize {
        self.0[i] as usize
    }
    /// u32 and i32 parameters: JS may pass a negative bit pattern (fill32).
    fn w(&self, i: usize) -> u32 {
        self.0[i] as i64 as u32
    }
    fn i(&self, i: usize) -> i32 {
        self.0[i] as i64 as i32
    }
    fn x(&self, i: usize) -> f32 {
        self.0[i] as f32
    }
}

/// Runs kernel `id` on units lo..hi. The caller has checked `id` and the
/// argument count against KERNELS and ARITY.
pub unsafe fn call(id: usize, args: &[f64], lo: usize, hi: usize, scratch: *mut f32) {
    let a = Args(args);
    match id {
        0 => kiln_matmul(a.p(0), a.p(1), a.p(2), a.p(3), a.u(4), a.u(5), a.u(6), a.w(7), lo, hi, scratch),
        1 => kiln_bias_backward(a.p(0), a.p(1), a.u(2), a.u(3), lo, hi),
        2 => kiln_embedding(a.p(0), a.p(1), a.p(2), a.u(3), lo, hi),
        3 => kiln_embedding_backward(a.p(0), a.p(1), a.p(2), a.u(3), a.u(4), lo, hi),
        4 => kiln_layernorm(a.p(0), a.p(1), a.p(2), a.p(3), a.p(4), a.p(5), a.u(6), a.x(7), lo, hi),
        5 => kiln_layernorm_backward_dx(a.p(0), a.p(1), a.p(2), a.p(3), a.p(4), a.p(5), a.u(6), lo, hi),
        6 => kiln_norm_backward_dw(a.p(0), a.p(1), a.p(2), a.p(3), a.p(4), a.p(5), a.u(6), a.u(7), lo, hi),
        7 => kiln_rmsnorm(a.p(0), a.p(1), a.p(2), a.p(3), a.u(4), a.x(5), lo, hi),
        8 => kiln_rmsnorm_backward_dx(a.p(0), a.p(1), a.p(2), a.p(3), a.p(4), a.u(5), lo, hi),
        9 => kiln_attention(a.p(0), a.p(1), a.p(2), a.p(3), a.u(4), a.u(5), a.u(6), a.u(7), a.w(8), a.x(9), lo, hi, scratch),
        10 => kiln_attention_backward(
            a.p(0), a.p(1), a.p(2), a.p(3), a.p(4), a.p(5), a.u(6), a.u(7), a.u(8), a.u(9), a.w(10), a.x(11), lo, hi, scratch,
        ),
        11 => kiln_rope(a.p(0), a.p(1), a.p(2), a.p(3), a.u(4), a.u(5), a.u(6), a.u(7), lo, hi),
        12 => kiln_rope_backward(a.p(0), a.p(1), a.p(2), a.p(3), a.u(4), a.u(5), a.u(6), a.u(7), lo, hi),
        13 => kiln_gelu(a.p(0), a.p(1), lo, hi),
        14 => kiln_gelu_backward(a.p(0), a.p(1), a.p(2), lo, hi),
        15 => kiln_swiglu(a.p(0), a.p(1), a.u(2), lo, hi),
        16 => kiln_swiglu_backward(a.p(0), a.p(1), a.p(2), a.u(3), lo, hi),
        17 => kiln_add(a.p(0), a.p(1), a.p(2), lo, hi),
        18 => kiln_axpy(a.p(0), a.p(1), a.x(2), lo, hi),
        19 => kiln_scale(a.p(0), a.x(1), lo, hi),
        20 => kiln_cross_entropy(a.p(0), a.p(1), a.p(2), a.u(3), a.i(4), a.p(5), lo, hi),
        21 => kiln_cross_entropy_backward(a.p(0), a.p(1), a.p(2), a.p(3), a.u(4), a.i(5), a.p(6), lo, hi),
        22 => kiln_sum_squares_partial(a.p(0), a.p(1), a.u(2), a.u(3), lo, hi),
        23 => kiln_adamw(
            a.p(0), a.p(1), a.p(2), a.p(3), a.x(4), a.x(5), a.x(6), a.x(7), a.x(8), a.x(9), a.x(10), lo, hi,
        ),
        24 => kiln_fill_bytes(a.p(0), a.w(1), lo, hi),
        25 => kiln_fill32(a.p(0), a.w(1), lo, hi),
        26 => kiln_copy_bytes(a.p(0), a.p(1), lo, hi),
        27 => kiln_attention_kv(
            a.p(0), a.p(1), a.p(2), a.p(3), a.u(4), a.u(5), a.u(6), a.u(7), a.u(8), a.u(9), a.x(10), lo, hi, scratch,
        ),
        28 => kiln_matmul_q(
            a.p(0), a.p(1), a.p(2), a.p(3), a.p(4), a.u(5), a.u(6), a.u(7), a.w(8), a.u(9), a.w(10), lo, hi, scratch,
        ),
        29 => kiln_embedding_q(a.p(0), a.p(1), a.p(2), a.p(3), a.u(4), a.w(5), a.u(6), lo, hi),
        _ => {}
    }
}
