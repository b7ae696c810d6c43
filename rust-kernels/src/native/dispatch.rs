//! Kernel ids → calls, from one table. `kernels!` lists every kernel the JS
//! side may dispatch, in dispatch-id order, with its parameters before
//! `lo, hi` (named as the kernel names them; the names are documentation,
//! their count is the arity) and `+ scratch` where it takes per-thread
//! scratch. From that one list come KERNELS (the names, in id order), ARITY
//! and the call table, so adding a kernel is one line here and one in
//! plugins/backend-wasm/src/kernels.ts, whose table the native backend
//! checks against `info()` at load (names and arities) and the wasm backend
//! against the module's exports.
//!
//! Arguments arrive as f64 (JS numbers), as the wasm exports receive them;
//! each is converted to the type the kernel's parameter has (`FromArg`).
use crate::{adamw::*, attention::*, cross_entropy::*, embedding::*, gemv::*, matmul::*, memory::*, norm::*, pointwise::*, quant::*, rope::*};

/// One JS number → one kernel parameter.
trait FromArg {
    fn from_arg(x: f64) -> Self;
}

impl<T> FromArg for *mut T {
    fn from_arg(x: f64) -> Self {
        x as u64 as usize as *mut T
    }
}
impl<T> FromArg for *const T {
    fn from_arg(x: f64) -> Self {
        x as u64 as usize as *const T
    }
}
impl FromArg for usize {
    fn from_arg(x: f64) -> Self {
        x as usize
    }
}
/// u32 and i32 parameters: JS may pass a negative bit pattern (fill32).
impl FromArg for u32 {
    fn from_arg(x: f64) -> Self {
        x as i64 as u32
    }
}
impl FromArg for i32 {
    fn from_arg(x: f64) -> Self {
        x as i64 as i32
    }
}
impl FromArg for f32 {
    fn from_arg(x: f64) -> Self {
        x as f32
    }
}

/// The arguments of one call, taken in order.
struct Args<'a>(core::slice::Iter<'a, f64>);

impl Args<'_> {
    fn next<T: FromArg>(&mut self) -> T {
        T::from_arg(*self.0.next().expect("the caller checked the arity"))
    }
}

type Call = unsafe fn(&[f64], usize, usize, *mut f32);

/// `pass!(scratch, value)`: the table's `+ scratch` marker becomes the call's scratch argument.
macro_rules! pass {
    ($marker:ident, $value:expr) => {
        $value
    };
}

macro_rules! kernels {
    ($($name:ident($($arg:ident),* $(,)?) $(+ $scratch:ident)?;)*) => {
        /// Kernel names in dispatch-id order.
        pub const KERNELS: &[&str] = &[$(stringify!($name)),*];
        /// Number of f64 arguments each kernel takes before `lo, hi`.
        pub const ARITY: &[usize] = &[$(0 $(+ { let _ = stringify!($arg); 1 })*),*];
        const CALLS: &[Call] = &[$({
            #[allow(unused_variables)]
            unsafe fn call(args: &[f64], lo: usize, hi: usize, scratch: *mut f32) {
                let mut a = Args(args.iter());
                $name($({ let _ = stringify!($arg); a.next() },)* lo, hi $(, pass!($scratch, scratch))?)
            }
            call
        }),*];
    };
}

kernels! {
    kiln_matmul(out, a, b, bias, m, n, k, flags) + scratch;
    kiln_bias_backward(dbias, dout, m, n);
    kiln_embedding(out, table, ids, c);
    kiln_embedding_backward(dtable, dout, ids, n, c);
    kiln_layernorm(out, mean, rstd, x, w, b, c, eps);
    kiln_layernorm_backward_dx(dx, dout, x, w, mean, rstd, c);
    kiln_norm_backward_dw(dw, db, dout, x, mean, rstd, n, c);
    kiln_rmsnorm(out, rstd, x, w, c, eps);
    kiln_rmsnorm_backward_dx(dx, dout, x, w, rstd, c);
    kiln_attention(out, lse, qkv, segments, t, h, hkv, d, causal, scale) + scratch;
    kiln_attention_backward(dqkv, dout, qkv, out, lse, segments, t, h, hkv, d, causal, scale) + scratch;
    kiln_rope(out, inp, cos, sin, t, h, hkv, d);
    kiln_rope_backward(dinp, dout, cos, sin, t, h, hkv, d);
    kiln_gelu(out, x);
    kiln_gelu_backward(dx, dout, x);
    kiln_swiglu(out, x, f);
    kiln_swiglu_backward(dx, dout, x, f);
    kiln_add(out, a, b);
    kiln_axpy(y, x, alpha);
    kiln_scale(x, alpha);
    kiln_cross_entropy(losses, logits, targets, v, ignore_index, lse);
    kiln_cross_entropy_backward(dlogits, logits, targets, dloss, v, ignore_index, lse);
    kiln_sum_squares_partial(partials, x, n, chunk);
    kiln_adamw(param, grad, m, v, decay, beta1, beta2, eps, step_size, bias2_sqrt, grad_scale);
    kiln_fill_bytes(ptr, value);
    kiln_fill32(ptr, bits);
    kiln_copy_bytes(dst, src);
    kiln_attention_kv(out, kcache, vcache, qkv, tq, tmax, pos, h, hkv, d, scale) + scratch;
    kiln_matmul_q(out, a, data, scales, bias, m, n, k, bits, group, accumulate) + scratch;
    kiln_embedding_q(out, data, scales, ids, c, bits, group);
    kiln_gemv(out, a, w, bias, m, n, k, flags) + scratch;
    kiln_attention_kv_rows(out, kcache, vcache, qkv, rows, positions, tmax, h, hkv, d, scale) + scratch;
}

/// Runs kernel `id` on units lo..hi. The caller has checked `id` and the
/// argument count against KERNELS and ARITY.
pub unsafe fn call(id: usize, args: &[f64], lo: usize, hi: usize, scratch: *mut f32) {
    CALLS[id](args, lo, hi, scratch)
}
