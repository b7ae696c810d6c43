//! out[M,N] = op(A)[M,K] · op(B)[K,N] (+ bias[N]) (+ out), GotoBLAS-style
//! (`blocked`): packed panels of A and B, a register-blocked micro-kernel
//! over them. The tile is chosen per instruction set: 5×8 over the 4-lane
//! API on wasm (and as the native fallback), AVX-512F 14×32 or AVX2+FMA 6×16
//! natively, picked at run time from the CPU's features.
//!
//! Determinism: every out element is summed over K in fixed KC blocks at
//! fixed absolute offsets, whatever rows or columns a thread was given, so 1
//! and N threads agree bit for bit on one ISA (different ISAs may differ in
//! the last bits: FMA rounds once, and their KC blocks differ).
mod blocked;
mod v4_tile;
#[cfg(all(not(target_arch = "wasm32"), target_arch = "x86_64"))]
mod x86;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod bench;

use blocked::scratch_floats;
use v4_tile::V4;

/// Floats of scratch one thread needs for matmul (the largest tile's, natively).
#[cfg(target_arch = "wasm32")]
pub const SCRATCH_FLOATS: usize = scratch_floats::<V4>();
#[cfg(all(not(target_arch = "wasm32"), target_arch = "x86_64"))]
pub const SCRATCH_FLOATS: usize =
    max(scratch_floats::<V4>(), max(scratch_floats::<x86::Avx512Tile>(), scratch_floats::<x86::Avx2Tile>()));
#[cfg(not(any(target_arch = "wasm32", target_arch = "x86_64")))]
pub const SCRATCH_FLOATS: usize = scratch_floats::<V4>();

#[cfg(not(target_arch = "wasm32"))]
const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

pub const TRANS_A: u32 = 1;
pub const TRANS_B: u32 = 2;
pub const ACCUMULATE: u32 = 4;
/// lo..hi are columns of out (else rows).
pub const SPLIT_N: u32 = 8;

#[no_mangle]
pub extern "C" fn kiln_matmul_scratch_floats() -> usize {
    SCRATCH_FLOATS
}

/// Units: rows of out, or columns when `flags & SPLIT_N`. `bias` may be null.
#[no_mangle]
pub unsafe extern "C" fn kiln_matmul(
    out: *mut f32, a: *const f32, b: *const f32, bias: *const f32,
    m: usize, n: usize, k: usize, flags: u32, lo: usize, hi: usize, scratch: *mut f32,
) {
    let (m0, m1, n0, n1) = if flags & SPLIT_N != 0 { (0, m, lo, hi) } else { (lo, hi, 0, n) };
    let trans_a = flags & TRANS_A != 0;
    let trans_b = flags & TRANS_B != 0;
    let ops = Operands {
        a, lda: if trans_a { m } else { k }, trans_a,
        b, ldb: if trans_b { k } else { n }, trans_b,
        out, ldc: n, bias, accumulate: flags & ACCUMULATE != 0,
    };
    gemm(&ops, k, m0, m1, n0, n1, scratch);
}

/// The storage of one product: op(A) is M×K, op(B) is K×N, out is M×N, each
/// row-major with its own leading dimension (so a head's slice of a packed
/// qkv row is an operand as it stands).
pub struct Operands {
    pub a: *const f32,
    pub lda: usize,
    pub trans_a: bool,
    pub b: *const f32,
    pub ldb: usize,
    pub trans_b: bool,
    pub out: *mut f32,
    pub ldc: usize,
    /// Added to every row on the first K block; may be null.
    pub bias: *const f32,
    /// Add to out instead of overwriting it.
    pub accumulate: bool,
}

/// out[m0..m1, n0..n1] (=|+=) op(A)·op(B) over `k`; `scratch` holds SCRATCH_FLOATS.
#[cfg(target_arch = "wasm32")]
pub unsafe fn gemm(o: &Operands, k: usize, m0: usize, m1: usize, n0: usize, n1: usize, scratch: *mut f32) {
    blocked::gemm::<V4>(o, k, m0, m1, n0, n1, scratch)
}

/// out[m0..m1, n0..n1] (=|+=) op(A)·op(B) over `k`; `scratch` holds SCRATCH_FLOATS.
#[cfg(not(target_arch = "wasm32"))]
pub unsafe fn gemm(o: &Operands, k: usize, m0: usize, m1: usize, n0: usize, n1: usize, scratch: *mut f32) {
    run(Isa::detected(), o, k, m0, m1, n0, n1, scratch)
}

/// `gemm` on a given instruction set (tests and benchmarks compare them).
/// Panics when this CPU lacks it.
#[cfg(not(target_arch = "wasm32"))]
pub unsafe fn gemm_on(isa: Isa, o: &Operands, k: usize, m0: usize, m1: usize, n0: usize, n1: usize, scratch: *mut f32) {
    assert!(isa.supported(), "matmul: this CPU lacks {}", isa.name());
    run(isa, o, k, m0, m1, n0, n1, scratch)
}

/// `isa` must be supported.
#[cfg(not(target_arch = "wasm32"))]
unsafe fn run(isa: Isa, o: &Operands, k: usize, m0: usize, m1: usize, n0: usize, n1: usize, scratch: *mut f32) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512f => x86::gemm_avx512(o, k, m0, m1, n0, n1, scratch),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2Fma => x86::gemm_avx2(o, k, m0, m1, n0, n1, scratch),
        Isa::V4 => blocked::gemm::<V4>(o, k, m0, m1, n0, n1, scratch),
    }
}

/// The instruction sets the native matmul has a micro-kernel for, best first.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Isa {
    #[cfg(target_arch = "x86_64")]
    Avx512f,
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
    /// The 4-lane tile (SSE2 on x86_64, plain lanes elsewhere).
    V4,
}

#[cfg(not(target_arch = "wasm32"))]
impl Isa {
    pub const ALL: &'static [Isa] = &[
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512f,
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2Fma,
        Isa::V4,
    ];

    pub fn name(self) -> &'static str {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512f => "avx512f",
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => "avx2+fma",
            #[cfg(target_arch = "x86_64")]
            Isa::V4 => "sse2",
            #[cfg(not(target_arch = "x86_64"))]
            Isa::V4 => "4-lane portable",
        }
    }

    pub fn supported(self) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512f => std::is_x86_feature_detected!("avx512f") && Isa::Avx2Fma.supported(),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma"),
            Isa::V4 => true,
        }
    }

    /// The ISA of the kernels' lane width (`crate::lanes::width`: the best
    /// this CPU has, unless KILN_NATIVE_LANES caps it), so the matmul and
    /// the other kernels always run on one instruction set.
    pub fn detected() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            match crate::lanes::width() {
                16 => Isa::Avx512f,
                8 => Isa::Avx2Fma,
                _ => Isa::V4,
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Isa::V4
        }
    }
}

/// The instruction set the matmul micro-kernel runs on.
#[cfg(not(target_arch = "wasm32"))]
pub fn isa_name() -> &'static str {
    Isa::detected().name()
}
