//! Kiln's CPU kernels, one crate for two targets:
//! - wasm32 (`#![no_std]`, simd128 + atomics), loaded by `@kiln/backend-wasm`
//!   into one shared memory and run by its JS worker pool;
//! - the host (std), a Node-API addon loaded by `@kiln/backend-native`, run
//!   by a Rust thread pool on 64-bit memory (`native/`).
//!
//! Every algorithm lives once, in the modules below: the pointwise, cross-entropy,
//! norm, AdamW, RoPE, embedding-gradient and attention-softmax code
//! generic over the vector width of `lanes` (4 lanes on wasm; natively
//! AVX-512 16 or AVX2+FMA 8 chosen at run time), quantized matmul against the
//! 4-lane API of `v4` (wasm's intrinsics by name, mapped to the host's
//! instructions natively). The matmul micro-kernel has its own wide native
//! tiles.
//!
//! ABI: every kernel takes pointers (as `*const f32` etc.), sizes as `usize`,
//! scalars as `f32`. There is no allocator: kernels that need scratch space
//! get a per-thread `scratch` pointer. Kernels split over threads take a unit
//! range `lo..hi` (rows, columns or chunks, stated on each export); the
//! result of every unit never depends on how the range was split, so one
//! thread and N threads give bit-identical results.
#![cfg_attr(target_arch = "wasm32", no_std)]

mod lanes;
mod simd;
mod v4;
pub mod adamw;
pub mod attention;
pub mod cross_entropy;
pub mod embedding;
pub mod gemv;
pub mod matmul;
pub mod memory;
pub mod norm;
pub mod pointwise;
pub mod quant;
#[cfg(all(not(target_arch = "wasm32"), target_arch = "x86_64"))]
mod quant_dot;
pub mod rope;

#[cfg(not(target_arch = "wasm32"))]
mod native;

/// Floats of per-thread scratch after matmul's packing space (ATTENTION_MAX_T
/// in plugins/backend-wasm/src/kernels.ts): attention score blocks and
/// dequantized weight blocks.
pub const BLOCK_SCRATCH: usize = 1 << 16;

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
