//! Kiln's CPU kernels: a `#![no_std]` crate compiled to wasm32 with simd128
//! and atomics, loaded by `@kiln/backend-wasm` into one shared memory.
//!
//! ABI: every export takes pointers into the shared memory (as `*const f32`
//! etc.), sizes as `usize`, scalars as `f32`. There is no allocator: kernels
//! that need scratch space get a per-thread `scratch` pointer. Kernels split
//! over threads take a unit range `lo..hi` (rows, columns or chunks, stated on
//! each export); the result of every unit never depends on how the range was
//! split, so one thread and N threads give bit-identical results.
#![no_std]

mod simd;
pub mod attention;
pub mod embedding;
pub mod loss;
pub mod matmul;
pub mod memory;
pub mod norm;
pub mod optim;
pub mod pointwise;
pub mod quant;
pub mod rope;

/// Floats of per-thread scratch after matmul's packing space (ATTENTION_MAX_T
/// in plugins/backend-wasm/src/kernels.ts): attention score blocks and
/// dequantized weight blocks.
pub const BLOCK_SCRATCH: usize = 1 << 16;

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
