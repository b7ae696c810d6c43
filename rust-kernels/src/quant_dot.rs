//! Quantized matmul at decode sizes as integer dot products, the way
//! llama.cpp's q8_0 and q4_0 kernels do it: the activations are rounded to
//! int8 per 32 values (scale max|a|/127, as its q8_0), each 32-value chunk of
//! a weight row is dotted with them in 8-bit integers, and the exact integer
//! sum is scaled by the two scales into a float accumulator. No weight is
//! ever dequantized to f32, so a weight byte costs a fraction of an
//! instruction instead of a conversion and a multiply each.
//!
//! int8 weights are signed, and the byte multiply-add takes one unsigned
//! operand: |w| is multiplied by the activation with w's sign. int4 nibbles
//! are stored as q + 8, already unsigned: Σ(q+8)·x − 8·Σx, the second sum
//! computed once per activation chunk. Their layout interleaves elements
//! (2j low nibble, 2j+1 high nibble of byte j), so the activations are
//! reordered once per chunk to [even | odd] instead of the weights per row.
//!
//! AVX-512BW (with VNNI's vpdpbusd where the CPU has it) and AVX2 paths,
//! chosen at run time with the other kernels' width (`lanes::width`). Each
//! output is summed in the same order whatever M is and however columns
//! are split, so results never depend on the batch or the thread count.
use crate::lanes::width;
use core::arch::x86_64::*;

/// Activations per scale (llama.cpp's QK8_0); weight groups must be a multiple of it.
const BLOCK: usize = 32;
/// Activation rows per register block.
const ROWS: usize = 4;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Isa {
    Avx512Vnni,
    Avx512,
    Avx2,
}

fn isa() -> Option<Isa> {
    let w = width();
    if w >= 16 && std::is_x86_feature_detected!("avx512bw") {
        return Some(if std::is_x86_feature_detected!("avx512vnni") { Isa::Avx512Vnni } else { Isa::Avx512 });
    }
    if w >= 8 { Some(Isa::Avx2) } else { None }
}

/// The activations of one call, rounded: `q` m·k bytes (int4: each chunk's
/// even elements, then its odd ones), `d` each chunk's scale repeated over
/// 8 lanes, `corr` (int4) −8·Σ of each 4-byte lane of `q`.
struct Rows {
    q: *mut i8,
    d: *mut f32,
    corr: *mut i32,
}

/// Scratch bytes for m rows of k: q, d (8 floats per 32 values) and corr.
fn scratch_bytes(m: usize, k: usize) -> usize {
    3 * m * k + 128
}

/// Rounds a[m,k] into `scratch` (k a multiple of BLOCK). Inlined into each
/// ISA's entry, so the rounding compiles to one instruction there.
#[inline(always)]
unsafe fn quantize(a: *const f32, m: usize, k: usize, int4: bool, scratch: *mut u8) -> Rows {
    let align = |p: *mut u8| ((p as usize + 63) & !63) as *mut u8;
    let q = align(scratch) as *mut i8;
    let d = align((q as *mut u8).add(m * k)) as *mut f32;
    let corr = align((d as *mut u8).add(m * k)) as *mut i32;
    for c in 0..m * k / BLOCK {
        let x = a.add(c * BLOCK);
        let mut amax = 0.0f32;
        for i in 0..BLOCK {
            let v = (*x.add(i)).abs();
            if v > amax {
                amax = v;
            }
        }
        let inv = if amax > 0.0 { 127.0 / amax } else { 0.0 };
        let scale = amax / 127.0;
        let qc = q.add(c * BLOCK);
        for i in 0..BLOCK {
            let v = (*x.add(i) * inv).round_ties_even().clamp(-127.0, 127.0) as i8;
            let at = if int4 { if i % 2 == 0 { i / 2 } else { BLOCK / 2 + i / 2 } } else { i };
            *qc.add(at) = v;
        }
        for l in 0..8 {
            *d.add(c * 8 + l) = scale;
            if int4 {
                let s: i32 = (0..4).map(|t| *qc.add(4 * l + t) as i32).sum();
                *corr.add(c * 8 + l) = -8 * s;
            }
        }
    }
    Rows { q, d, corr }
}

/// out[M,N] (=|+=) a·dequant(w)ᵀ (+ bias) for columns lo..hi through integer
/// dot products. Returns false (nothing done) where this CPU, the group or
/// the scratch rules it out; the caller then dequantizes instead.
#[allow(clippy::too_many_arguments)]
pub unsafe fn matmul(
    out: *mut f32, a: *const f32, data: *const i8, scales: *const f32, bias: *const f32,
    m: usize, n: usize, k: usize, bits: u32, group: usize, accumulate: bool,
    lo: usize, hi: usize, scratch: *mut f32, scratch_floats: usize,
) -> bool {
    let Some(isa) = isa() else { return false };
    // Every real group size (32, 64, 128) is a power of two: the scale of element `at` is then a shift away.
    if !group.is_power_of_two() || group < BLOCK || k % group != 0 || scratch_bytes(m, k) > scratch_floats * 4 {
        return false;
    }
    let shift = group.trailing_zeros();
    let p = Problem { out, data, scales, bias, m, n, k, int4: bits == 4, groups: k / group, shift, accumulate };
    let scratch = scratch as *mut u8;
    match isa {
        Isa::Avx512Vnni => avx512_vnni(&p, a, scratch, lo, hi),
        Isa::Avx512 => avx512(&p, a, scratch, lo, hi),
        Isa::Avx2 => avx2(&p, a, scratch, lo, hi),
    }
    true
}

struct Problem {
    out: *mut f32,
    data: *const i8,
    scales: *const f32,
    bias: *const f32,
    m: usize,
    n: usize,
    k: usize,
    int4: bool,
    /// Scales per weight row, and log2 of the group.
    groups: usize,
    shift: u32,
    accumulate: bool,
}

impl Problem {
    #[inline(always)]
    unsafe fn finish(&self, r: usize, j: usize, sum: f32) {
        let o = self.out.add(r * self.n + j);
        let v = if self.bias.is_null() { sum } else { sum + *self.bias.add(j) };
        *o = if self.accumulate { *o + v } else { v };
    }
    /// Weight row j's scales.
    #[inline(always)]
    unsafe fn scales_of(&self, j: usize) -> *const f32 {
        self.scales.add(j * self.groups)
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vnni,avx2,fma")]
unsafe fn avx512_vnni(p: &Problem, a: *const f32, scratch: *mut u8, lo: usize, hi: usize) {
    let rows = quantize(a, p.m, p.k, p.int4, scratch);
    avx512_rows::<true>(p, &rows, lo, hi)
}

#[target_feature(enable = "avx512f,avx512bw,avx2,fma")]
unsafe fn avx512(p: &Problem, a: *const f32, scratch: *mut u8, lo: usize, hi: usize) {
    let rows = quantize(a, p.m, p.k, p.int4, scratch);
    avx512_rows::<false>(p, &rows, lo, hi)
}

/// Σ u8·i8 over each 4-byte lane, added to `acc`.
#[inline(always)]
unsafe fn dot512<const VNNI: bool>(acc: __m512i, u: __m512i, s: __m512i) -> __m512i {
    if VNNI {
        _mm512_dpbusd_epi32(acc, u, s)
    } else {
        _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1)))
    }
}

/// Weight rows lo..hi, activation rows in blocks of up to ROWS, each block
/// a specialized loop (int8 or int4, 1 to 4 rows).
#[inline(always)]
unsafe fn avx512_rows<const VNNI: bool>(p: &Problem, rows: &Rows, lo: usize, hi: usize) {
    for j in lo..hi {
        prefetch_row(p, j + AHEAD);
        let mut r0 = 0;
        while r0 < p.m {
            let nr = if p.m - r0 < ROWS { p.m - r0 } else { ROWS };
            match (p.int4, nr) {
                (false, 1) => block512::<VNNI, false, 1>(p, rows, j, r0),
                (false, 2) => block512::<VNNI, false, 2>(p, rows, j, r0),
                (false, 3) => block512::<VNNI, false, 3>(p, rows, j, r0),
                (false, _) => block512::<VNNI, false, 4>(p, rows, j, r0),
                (true, 1) => block512::<VNNI, true, 1>(p, rows, j, r0),
                (true, 2) => block512::<VNNI, true, 2>(p, rows, j, r0),
                (true, 3) => block512::<VNNI, true, 3>(p, rows, j, r0),
                (true, _) => block512::<VNNI, true, 4>(p, rows, j, r0),
            }
            r0 += nr;
        }
    }
}

/// Weight rows asked for ahead of their use: decode streams the weights from
/// memory once per token, and the next rows' lines arrive while this one is dotted.
const AHEAD: usize = 4;

/// Asks for weight row j's bytes and scales (no-op past the last row).
#[inline(always)]
unsafe fn prefetch_row(p: &Problem, j: usize) {
    if j >= p.n {
        return;
    }
    let bytes = if p.int4 { p.k / 2 } else { p.k };
    let row = p.data.add(j * bytes);
    let mut at = 0;
    while at < bytes {
        _mm_prefetch::<_MM_HINT_T0>(row.add(at));
        at += 64;
    }
    _mm_prefetch::<_MM_HINT_T0>(p.scales_of(j) as *const i8);
}

/// Outputs (r0..r0+R, j): 64 weights (two chunks) a step, the last chunk alone through masks.
#[inline(always)]
unsafe fn block512<const VNNI: bool, const INT4: bool, const R: usize>(p: &Problem, rows: &Rows, j: usize, r0: usize) {
    let k = p.k;
    let mut acc = [_mm512_setzero_ps(); R];
    let full = k / (2 * BLOCK) * (2 * BLOCK);
    let mut at = 0;
    while at < full {
        step512::<VNNI, INT4, R>(p, rows, j, r0, at, true, &mut acc);
        at += 2 * BLOCK;
    }
    if at < k {
        step512::<VNNI, INT4, R>(p, rows, j, r0, at, false, &mut acc);
    }
    for (rr, a) in acc.iter().enumerate() {
        p.finish(r0 + rr, j, hsum512(*a));
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn step512<const VNNI: bool, const INT4: bool, const R: usize>(
    p: &Problem, rows: &Rows, j: usize, r0: usize, at: usize, two: bool, acc: &mut [__m512; R],
) {
    let k = p.k;
    let zero = _mm512_setzero_si512();
    let bytes: u64 = if two { !0 } else { 0xFFFF_FFFF };
    let lanes: u16 = if two { 0xFFFF } else { 0x00FF };
    let sj = p.scales_of(j);
    let s0 = *sj.add(at >> p.shift);
    let s1 = if two { *sj.add((at + BLOCK) >> p.shift) } else { s0 };
    let sw = _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(s0), _mm512_set1_ps(s1));
    // The weights as unsigned bytes, and for int8 the lanes whose activation takes w's sign.
    let (u, neg) = if INT4 {
        let w = p.data.add((j * k + at) / 2);
        let half = if two {
            _mm256_loadu_si256(w as *const __m256i)
        } else {
            _mm256_zextsi128_si256(_mm_loadu_si128(w as *const __m128i))
        };
        // 128-bit lanes [c0, c0, c1, c1]: low nibbles in lanes 0 and 2, high ones in 1 and 3.
        let x = _mm512_shuffle_i64x2::<0b01_01_00_00>(_mm512_castsi256_si512(half), _mm512_castsi256_si512(half));
        let low = _mm512_set1_epi8(15);
        let lo4 = _mm512_and_si512(x, low);
        let hi4 = _mm512_and_si512(_mm512_srli_epi16::<4>(x), low);
        (_mm512_mask_blend_epi64(0b1100_1100, lo4, hi4), 0)
    } else {
        let w = _mm512_maskz_loadu_epi8(bytes, p.data.add(j * k + at));
        (_mm512_abs_epi8(w), _mm512_movepi8_mask(w))
    };
    for (rr, a) in acc.iter_mut().enumerate() {
        let row = r0 + rr;
        let q = _mm512_maskz_loadu_epi8(bytes, rows.q.add(row * k + at));
        let isum = if INT4 {
            let corr = _mm512_maskz_loadu_epi32(lanes, rows.corr.add((row * k + at) / 4));
            dot512::<VNNI>(corr, u, q)
        } else {
            dot512::<VNNI>(zero, u, _mm512_mask_sub_epi8(q, neg, zero, q))
        };
        let d = _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes, rows.d.add((row * k + at) / 4)), sw);
        *a = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), d, *a);
    }
}

/// Halves folded down to 4 lanes, then (l0 + l2) + (l1 + l3).
#[inline(always)]
unsafe fn hsum512(v: __m512) -> f32 {
    let h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(v))));
    hsum256(h)
}

#[inline(always)]
unsafe fn hsum256(v: __m256) -> f32 {
    let x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let s = _mm_add_ps(x, _mm_movehl_ps(x, x));
    _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps::<0b01>(s, s)))
}

/// One chunk (32 weights) a step.
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2(p: &Problem, a: *const f32, scratch: *mut u8, lo: usize, hi: usize) {
    let rows = quantize(a, p.m, p.k, p.int4, scratch);
    for j in lo..hi {
        prefetch_row(p, j + AHEAD);
        let mut r0 = 0;
        while r0 < p.m {
            let nr = if p.m - r0 < ROWS { p.m - r0 } else { ROWS };
            match (p.int4, nr) {
                (false, 1) => block256::<false, 1>(p, &rows, j, r0),
                (false, 2) => block256::<false, 2>(p, &rows, j, r0),
                (false, 3) => block256::<false, 3>(p, &rows, j, r0),
                (false, _) => block256::<false, 4>(p, &rows, j, r0),
                (true, 1) => block256::<true, 1>(p, &rows, j, r0),
                (true, 2) => block256::<true, 2>(p, &rows, j, r0),
                (true, 3) => block256::<true, 3>(p, &rows, j, r0),
                (true, _) => block256::<true, 4>(p, &rows, j, r0),
            }
            r0 += nr;
        }
    }
}

#[inline(always)]
unsafe fn block256<const INT4: bool, const R: usize>(p: &Problem, rows: &Rows, j: usize, r0: usize) {
    let k = p.k;
    let sj = p.scales_of(j);
    let (ones, low) = (_mm256_set1_epi16(1), _mm_set1_epi8(15));
    let mut acc = [_mm256_setzero_ps(); R];
    let mut at = 0;
    while at < k {
        let sw = _mm256_set1_ps(*sj.add(at >> p.shift));
        let (u, signs) = if INT4 {
            let x = _mm_loadu_si128(p.data.add((j * k + at) / 2) as *const __m128i);
            let lo4 = _mm_and_si128(x, low);
            let hi4 = _mm_and_si128(_mm_srli_epi16::<4>(x), low);
            (_mm256_set_m128i(hi4, lo4), _mm256_setzero_si256())
        } else {
            let w = _mm256_loadu_si256(p.data.add(j * k + at) as *const __m256i);
            (_mm256_abs_epi8(w), w)
        };
        for (rr, a) in acc.iter_mut().enumerate() {
            let row = r0 + rr;
            let q = _mm256_loadu_si256(rows.q.add(row * k + at) as *const __m256i);
            let s = if INT4 { q } else { _mm256_sign_epi8(q, signs) };
            let mut isum = _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), ones);
            if INT4 {
                isum = _mm256_add_epi32(isum, _mm256_loadu_si256(rows.corr.add((row * k + at) / 4) as *const __m256i));
            }
            let d = _mm256_mul_ps(_mm256_loadu_ps(rows.d.add((row * k + at) / 4)), sw);
            *a = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), d, *a);
        }
        at += BLOCK;
    }
    for (rr, a) in acc.iter().enumerate() {
        p.finish(r0 + rr, j, hsum256(*a));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small LCG: the same inputs every run.
    fn fill(seed: &mut u64, n: usize, f: impl Fn(u64) -> f32) -> Vec<f32> {
        (0..n)
            .map(|_| {
                *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                f(*seed >> 33)
            })
            .collect()
    }

    /// out = a·dequant(w)ᵀ through `run`, for one problem.
    unsafe fn product(m: usize, n: usize, k: usize, bits: u32, group: usize, run: Isa) -> Vec<f32> {
        let mut seed = (m * 1000 + n * 10 + k) as u64;
        let a = fill(&mut seed, m * k, |r| (r % 2001) as f32 / 1000.0 - 1.0);
        let bytes = if bits == 8 { n * k } else { n * k / 2 };
        let data: Vec<i8> = fill(&mut seed, bytes, |r| (r % 255) as f32).iter().map(|&v| (v as i32 - 127) as i8).collect();
        let scales = fill(&mut seed, n * k / group, |r| 0.001 + (r % 100) as f32 / 2000.0);
        let mut out = vec![0.0f32; m * n];
        let mut scratch = vec![0u8; scratch_bytes(m, k) + 64];
        let p = Problem {
            out: out.as_mut_ptr(), data: data.as_ptr(), scales: scales.as_ptr(), bias: core::ptr::null(),
            m, n, k, int4: bits == 4, groups: k / group, shift: group.trailing_zeros(), accumulate: false,
        };
        let s = scratch.as_mut_ptr();
        match run {
            Isa::Avx512Vnni => avx512_vnni(&p, a.as_ptr(), s, 0, n),
            Isa::Avx512 => avx512(&p, a.as_ptr(), s, 0, n),
            Isa::Avx2 => avx2(&p, a.as_ptr(), s, 0, n),
        }
        out
    }

    const PROBLEMS: [(usize, usize, usize, u32, usize); 5] =
        [(1, 5, 96, 8, 32), (3, 7, 160, 4, 32), (5, 3, 256, 8, 64), (4, 9, 128, 4, 128), (6, 2, 32, 8, 32)];

    /// With and without VNNI the AVX-512 path sums the same exact integers in the same order: the same bits.
    #[test]
    fn avx512_with_and_without_vnni_agree_bit_for_bit() {
        if !(std::is_x86_feature_detected!("avx512bw") && std::is_x86_feature_detected!("avx512vnni")) {
            return;
        }
        for (m, n, k, bits, group) in PROBLEMS {
            let (a, b) = unsafe { (product(m, n, k, bits, group, Isa::Avx512Vnni), product(m, n, k, bits, group, Isa::Avx512)) };
            assert_eq!(a, b, "m {m} n {n} k {k} bits {bits} group {group}");
        }
    }

    /// AVX2 sums the same integers with other float lanes: within float rounding of AVX-512.
    #[test]
    fn avx2_agrees_with_avx512_within_rounding() {
        if !(std::is_x86_feature_detected!("avx512bw") && std::is_x86_feature_detected!("avx2")) {
            return;
        }
        for (m, n, k, bits, group) in PROBLEMS {
            let (a, b) = unsafe { (product(m, n, k, bits, group, Isa::Avx512), product(m, n, k, bits, group, Isa::Avx2)) };
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() <= 1e-5 * (1.0 + x.abs()), "m {m} n {n} k {k} bits {bits}: {x} vs {y}");
            }
        }
    }
}

#[cfg(test)]
mod bench {
    use super::*;
    use std::time::Instant;

    /// Best time per call of the int8/int4 decode path on large weights (memory-bound), one thread:
    ///   cargo test --release bench_quant_dot -- --ignored --nocapture
    #[test]
    #[ignore]
    fn bench_quant_dot() {
        for (m, n, k, bits) in [(1usize, 50257usize, 768usize, 8u32), (1, 3072 * 12, 768, 8), (1, 50257, 768, 4)] {
            let a: Vec<f32> = (0..m * k).map(|i| ((i * 7) % 13) as f32 - 6.0).collect();
            let bytes = if bits == 8 { n * k } else { n * k / 2 };
            let data: Vec<i8> = (0..bytes).map(|i| ((i * 31) % 255) as i32 as i8).collect();
            let scales = vec![0.01f32; n * k / 32];
            let mut out = vec![0f32; m * n];
            let mut scratch = vec![0f32; 1 << 20];
            let mut best = f64::INFINITY;
            for _ in 0..12 {
                let t = Instant::now();
                unsafe {
                    matmul(out.as_mut_ptr(), a.as_ptr(), data.as_ptr(), scales.as_ptr(), core::ptr::null(), m, n, k, bits, 32, false, 0, n, scratch.as_mut_ptr(), 1 << 20);
                }
                best = best.min(t.elapsed().as_secs_f64());
            }
            let total = bytes + scales.len() * 4;
            println!("{m}x{n}x{k} int{bits}: {:.2} ms, {:.1} GB/s of weights and scales", best * 1e3, total as f64 / best / 1e9);
        }
    }
}
