//! The 4-lane vector API every kernel is written against: wasm's simd128
//! intrinsics by name. On wasm32 it *is* `core::arch::wasm32`; on other
//! targets the same names map to the host's 128-bit instructions (SSE2 on
//! x86_64, plain lane arrays elsewhere, which LLVM vectorizes). So each
//! algorithm is written once and compiled for both the browser/Node wasm
//! backend and the native addon. Only the matmul micro-kernel, where most
//! flops are, has wider native variants (see matmul/).
#[cfg(target_arch = "wasm32")]
pub use core::arch::wasm32::*;

#[cfg(all(not(target_arch = "wasm32"), target_arch = "x86_64"))]
mod sse2;
#[cfg(all(not(target_arch = "wasm32"), target_arch = "x86_64"))]
pub use sse2::*;

// The lane arrays are the whole API off x86_64; on x86_64 sse2 borrows their
// rare byte shuffles and shifts instead of a second copy.
#[cfg(not(target_arch = "wasm32"))]
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
mod lanes;
#[cfg(not(any(target_arch = "wasm32", target_arch = "x86_64")))]
pub use lanes::*;
