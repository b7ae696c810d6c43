//! Weight-only group-quantized kernels for inference: int8 (one value per
//! byte) and packed int4 (element 2j in the low nibble of byte j, 2j+1 in
//! the high one, each stored as q + 8), w[n,k] = q[n,k]·scales[n, k/group].
use crate::matmul::{gemm, Operands, SCRATCH_FLOATS};
use crate::simd::{dot, st};
use crate::v4::*;
use crate::gemv::DECODE_MAX_M;
use crate::BLOCK_SCRATCH;

/// Above DECODE_MAX_M rows of `a` (prefill), blocks of weight rows are
/// dequantized and multiplied by the register-blocked gemm. Up to it
/// (generation, a batch of sequences) natively the activations are rounded
/// to int8 and dotted with the quantized weights in integers (`quant_dot`);
/// elsewhere each weight row is dequantized once and dotted with every row.
/// Either way a row's result does not depend on M.
/// Weight rows per dequantized block (fewer when K is long).
const GEMM_BLOCK_ROWS: usize = 64;

/// Small integers (|v| < 2^22) to f32, exactly: v + 1.5·2^23 has v in its
/// low mantissa bits. LLVM scalarizes f32x4.convert_i32x4 of a widened i8/i16
/// vector into four scalar conversions; this stays four lanes wide.
#[inline(always)]
fn small_ints_to_f32(v: v128) -> v128 {
    f32x4_sub(i32x4_add(v, i32x4_splat(0x4B40_0000)), f32x4_splat(12582912.0))
}

/// Dequantizes row n of a (N, K) quantized matrix into `row` (K floats).
/// Groups that are a multiple of 8 (every real configuration) run 4 or 8
/// lanes at a time; the same products either way, so the bits agree.
#[inline(always)]
unsafe fn dequant_row(row: *mut f32, data: *const i8, scales: *const f32, bits: u32, group: usize, k: usize, n: usize) {
    let groups = k / group;
    let sc = scales.add(n * groups);
    if bits == 8 {
        let q = data.add(n * k);
        for g in 0..groups {
            let s = *sc.add(g);
            let (start, end) = (g * group, (g + 1) * group);
            let mut i = start;
            if group % 4 == 0 {
                let vs = f32x4_splat(s);
                while i < end {
                    let bytes = v128_load32_zero(q.add(i) as *const u32);
                    let ints = i32x4_extend_low_i16x8(i16x8_extend_low_i8x16(bytes));
                    st(row.add(i), f32x4_mul(small_ints_to_f32(ints), vs));
                    i += 4;
                }
            }
            while i < end {
                *row.add(i) = *q.add(i) as f32 * s;
                i += 1;
            }
        }
    } else {
        let q = data.add(n * k / 2) as *const u8;
        let mut j = 0;
        if group % 8 == 0 {
            // Four bytes hold eight elements: low nibbles are the even ones.
            let (mask, eight) = (u8x16_splat(15), i32x4_splat(8));
            while j < k / 2 {
                let s = f32x4_splat(*sc.add(2 * j / group));
                let bytes = v128_load32_zero(q.add(j) as *const u32);
                let lo = v128_and(bytes, mask);
                let hi = u8x16_shr(bytes, 4);
                let mixed = i8x16_shuffle::<0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23>(lo, hi);
                let wide = u16x8_extend_low_u8x16(mixed);
                let a = i32x4_sub(u32x4_extend_low_u16x8(wide), eight);
                let b = i32x4_sub(u32x4_extend_high_u16x8(wide), eight);
                st(row.add(2 * j), f32x4_mul(small_ints_to_f32(a), s));
                st(row.add(2 * j + 4), f32x4_mul(small_ints_to_f32(b), s));
                j += 4;
            }
        }
        while j < k / 2 {
            let byte = *q.add(j);
            // group is even, so both nibbles of a byte share one scale.
            let s = *sc.add(2 * j / group);
            *row.add(2 * j) = ((byte & 15) as i32 - 8) as f32 * s;
            *row.add(2 * j + 1) = ((byte >> 4) as i32 - 8) as f32 * s;
            j += 1;
        }
    }
}

/// out[M,N] (=|+=) a[M,K]·dequant(w)ᵀ (+ bias). Units: columns n. `bias`
/// may be null. Each out element is summed over K in the same order however
/// the columns are blocked or split, so thread counts agree bit for bit.
#[no_mangle]
pub unsafe extern "C" fn kiln_matmul_q(
    out: *mut f32, a: *const f32, data: *const i8, scales: *const f32, bias: *const f32,
    m: usize, n: usize, k: usize, bits: u32, group: usize, accumulate: u32,
    lo: usize, hi: usize, scratch: *mut f32,
) {
    if m <= DECODE_MAX_M {
        #[cfg(all(not(target_arch = "wasm32"), target_arch = "x86_64"))]
        {
            let floats = SCRATCH_FLOATS + BLOCK_SCRATCH;
            let acc = accumulate != 0;
            if crate::quant_dot::matmul(out, a, data, scales, bias, m, n, k, bits, group, acc, lo, hi, scratch, floats) {
                return;
            }
        }
    } else if k <= BLOCK_SCRATCH {
        let block = scratch.add(SCRATCH_FLOATS);
        let fit = BLOCK_SCRATCH / k;
        let rows = if fit >= GEMM_BLOCK_ROWS { GEMM_BLOCK_ROWS } else if fit >= 8 { fit & !7 } else { fit };
        let mut j0 = lo;
        while j0 < hi {
            let j1 = if hi - j0 < rows { hi } else { j0 + rows };
            for j in j0..j1 {
                dequant_row(block.add((j - j0) * k), data, scales, bits, group, k, j);
            }
            let ops = Operands {
                a, lda: k, trans_a: false,
                b: block, ldb: k, trans_b: true,
                out: out.add(j0), ldc: n,
                bias: if bias.is_null() { bias } else { bias.add(j0) },
                accumulate: accumulate != 0,
            };
            gemm(&ops, k, 0, m, 0, j1 - j0, scratch);
            j0 = j1;
        }
        return;
    }
    for j in lo..hi {
        dequant_row(scratch, data, scales, bits, group, k, j);
        let b = if bias.is_null() { 0.0 } else { *bias.add(j) };
        for i in 0..m {
            let o = out.add(i * n + j);
            let base = if accumulate != 0 { *o } else { 0.0 };
            *o = base + (dot(a.add(i * k), scratch, k) + b);
        }
    }
}

/// out[r,C] = dequant(table)[ids[r], :]. Units: rows r.
#[no_mangle]
pub unsafe extern "C" fn kiln_embedding_q(
    out: *mut f32, data: *const i8, scales: *const f32, ids: *const i32, c: usize, bits: u32, group: usize,
    lo: usize, hi: usize,
) {
    for r in lo..hi {
        dequant_row(out.add(r * c), data, scales, bits, group, c, *ids.add(r) as usize);
    }
}
