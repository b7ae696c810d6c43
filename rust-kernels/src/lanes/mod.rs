//! Vectors of any width behind one trait, so each kernel is written once and
//! runs at the CPU's full width: `V4` (wasm simd128, and the native fallback
//! through `crate::v4`), and natively `Avx2` (8 lanes, FMA) and `Avx512`
//! (16 lanes, FMA), picked at run time by `widest!`.
//!
//! Rules the kernels keep so results never depend on the thread split:
//! - a reduction over a row runs in one fixed order for a given width;
//! - where units are elements or columns, the last partial vector goes
//!   through the same vector code (`load_n`/`store_n`), never a scalar
//!   formula, because `mul_add` rounds once on FMA widths and twice on `V4`.
//! Results may differ between widths in the last bits.
pub mod math;
mod v4;
#[cfg(target_arch = "x86_64")]
mod x86;
#[cfg(test)]
mod tests;

pub use v4::V4;
#[cfg(target_arch = "x86_64")]
pub use x86::{Avx2, Avx512};

/// One vector width. Every method is `#[inline(always)]` in the impls: a
/// kernel monomorphized for `Avx512` or `Avx2` compiles inside a
/// `#[target_feature]` wrapper (see `widest!`), which only works when the
/// intrinsics are inlined into it.
pub trait Lanes {
    /// N f32 lanes.
    type V: Copy;
    /// A per-lane condition, from comparisons, used by `select`.
    type M: Copy;
    const N: usize;

    unsafe fn splat(x: f32) -> Self::V;
    unsafe fn load(p: *const f32) -> Self::V;
    unsafe fn store(p: *mut f32, v: Self::V);
    /// Lanes 0..n from `p` (n ≤ N), the others 0; reads nothing past p+n.
    unsafe fn load_n(p: *const f32, n: usize) -> Self::V;
    /// Writes lanes 0..n (n ≤ N) only.
    unsafe fn store_n(p: *mut f32, v: Self::V, n: usize);
    /// Lanes 0..n set (n ≤ N).
    unsafe fn first_n(n: usize) -> Self::M;

    unsafe fn add(a: Self::V, b: Self::V) -> Self::V;
    unsafe fn sub(a: Self::V, b: Self::V) -> Self::V;
    unsafe fn mul(a: Self::V, b: Self::V) -> Self::V;
    unsafe fn div(a: Self::V, b: Self::V) -> Self::V;
    /// a·b + c: one rounding where the ISA has FMA, two on `V4`.
    unsafe fn mul_add(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// c − a·b, rounded as `mul_add`.
    unsafe fn neg_mul_add(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// Maximum of finite values (NaN handling differs between ISAs).
    unsafe fn max(a: Self::V, b: Self::V) -> Self::V;
    unsafe fn sqrt(a: Self::V) -> Self::V;
    unsafe fn abs(a: Self::V) -> Self::V;
    unsafe fn neg(a: Self::V) -> Self::V;
    unsafe fn floor(a: Self::V) -> Self::V;
    /// `v` (non-negative) with the sign bit of `s`.
    unsafe fn with_sign_of(v: Self::V, s: Self::V) -> Self::V;
    /// 2^k for integral k in [-126, 127].
    unsafe fn pow2(k: Self::V) -> Self::V;

    unsafe fn lt(a: Self::V, b: Self::V) -> Self::M;
    unsafe fn gt(a: Self::V, b: Self::V) -> Self::M;
    /// `a` where `m`, else `b`.
    unsafe fn select(m: Self::M, a: Self::V, b: Self::V) -> Self::V;

    /// Sum of the lanes in a fixed order: halves folded down to 4 lanes,
    /// then (l0 + l2) + (l1 + l3).
    unsafe fn hsum(v: Self::V) -> f32;
    unsafe fn hmax(v: Self::V) -> f32;
}

/// `v` in lanes 0..n, `fill` in the others (just `v` when n == N, which a
/// full-vector loop body folds away).
#[inline(always)]
pub unsafe fn keep<L: Lanes>(v: L::V, n: usize, fill: f32) -> L::V {
    if n >= L::N { v } else { L::select(L::first_n(n), v, L::splat(fill)) }
}

/// Runs `$body` over `$lo..$hi` a vector at a time with `$i` the offset and
/// `$n` the lanes in use: N in the loop (so `load_n`/`store_n` fold into
/// plain loads and stores), then once for the remainder if there is one.
/// A macro, not a closure: a closure would be its own function without the
/// caller's target features, and its intrinsics would not inline.
macro_rules! each_vector {
    ($L:ty, $i:ident, $n:ident in $lo:expr, $hi:expr => $body:block) => {{
        let (start, end) = ($lo, $hi);
        let mut $i = start;
        while $i + <$L as $crate::lanes::Lanes>::N <= end {
            let $n = <$L as $crate::lanes::Lanes>::N;
            $body
            $i += $n;
        }
        if $i < end {
            let $n = end - $i;
            $body
        }
    }};
}
pub(crate) use each_vector;

/// Defines a `#[no_mangle] extern "C"` kernel that calls the generic
/// `$body::<L>` with its arguments: on wasm32 with `V4`; on x86_64 with the
/// widest `Lanes` this CPU has (checked once, see `width`), each inside a
/// `#[target_feature]` wrapper so the intrinsics compile for that ISA.
macro_rules! widest {
    ($(#[$attr:meta])* pub unsafe extern "C" fn $name:ident($($p:ident: $t:ty),* $(,)?) => $body:ident;) => {
        $(#[$attr])*
        #[no_mangle]
        pub unsafe extern "C" fn $name($($p: $t),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx2,fma")]
                unsafe fn w16($($p: $t),*) {
                    $body::<$crate::lanes::Avx512>($($p),*)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn w8($($p: $t),*) {
                    $body::<$crate::lanes::Avx2>($($p),*)
                }
                match $crate::lanes::width() {
                    16 => w16($($p),*),
                    8 => w8($($p),*),
                    _ => $body::<$crate::lanes::V4>($($p),*),
                }
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                $body::<$crate::lanes::V4>($($p),*)
            }
        }
    };
}
pub(crate) use widest;

/// Lanes of the widest vectors this CPU runs the kernels on: 16 (AVX-512F,
/// with AVX2 and FMA, as the matmul requires too), 8 (AVX2 + FMA) or 4.
/// `KILN_NATIVE_LANES=8` or `=4` caps it (to run every ISA's code on one
/// machine); it is read once, with the CPU check, and cached.
#[cfg(target_arch = "x86_64")]
pub fn width() -> usize {
    use core::sync::atomic::{AtomicUsize, Ordering};
    static WIDTH: AtomicUsize = AtomicUsize::new(0);
    let w = WIDTH.load(Ordering::Relaxed);
    if w != 0 {
        return w;
    }
    let avx2 = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
    let has = if avx2 && std::is_x86_feature_detected!("avx512f") { 16 } else if avx2 { 8 } else { 4 };
    let cap = match std::env::var("KILN_NATIVE_LANES").as_deref() {
        Ok("4") => 4,
        Ok("8") => 8,
        _ => 16,
    };
    let w = if has < cap { has } else { cap };
    WIDTH.store(w, Ordering::Relaxed);
    w
}
