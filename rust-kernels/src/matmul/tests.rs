//! gemm against an f64 reference on every ISA this CPU has, over shapes that
//! cross every tile and block edge, and bit-identity under any row/column split.
use super::*;

/// Deterministic values in [-1, 1).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32) / (1u64 << 23) as f32 - 1.0
    }
    fn fill(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.next()).collect()
    }
}

/// One product's logical operands op(A) [m,k], op(B) [k,n], bias [n], old out [m,n].
struct Case {
    m: usize,
    n: usize,
    k: usize,
    a: Vec<f32>,
    b: Vec<f32>,
    bias: Vec<f32>,
    old: Vec<f32>,
}

impl Case {
    fn new(m: usize, n: usize, k: usize, seed: u64) -> Case {
        let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1));
        Case { m, n, k, a: r.fill(m * k), b: r.fill(k * n), bias: r.fill(n), old: r.fill(m * n) }
    }
}

/// Storage of a case for one variant: A and B in the requested order with
/// padded leading dimensions, out padded with a sentinel past each row.
struct Stored {
    a: Vec<f32>,
    lda: usize,
    b: Vec<f32>,
    ldb: usize,
    out: Vec<f32>,
    ldc: usize,
}

const SENTINEL: f32 = 12345.5;
const PAD: usize = 3;

fn store(c: &Case, trans_a: bool, trans_b: bool, accumulate: bool) -> Stored {
    let (m, n, k) = (c.m, c.n, c.k);
    let (arows, acols) = if trans_a { (k, m) } else { (m, k) };
    let lda = acols + PAD;
    let mut a = vec![SENTINEL; arows * lda];
    for i in 0..m {
        for p in 0..k {
            let at = if trans_a { p * lda + i } else { i * lda + p };
            a[at] = c.a[i * k + p];
        }
    }
    let (brows, bcols) = if trans_b { (n, k) } else { (k, n) };
    let ldb = bcols + PAD;
    let mut b = vec![SENTINEL; brows * ldb];
    for p in 0..k {
        for j in 0..n {
            let at = if trans_b { j * ldb + p } else { p * ldb + j };
            b[at] = c.b[p * n + j];
        }
    }
    let ldc = n + PAD;
    let mut out = vec![SENTINEL; m * ldc];
    for i in 0..m {
        for j in 0..n {
            out[i * ldc + j] = if accumulate { c.old[i * n + j] } else { f32::NAN };
        }
    }
    Stored { a, lda, b, ldb, out, ldc }
}

/// Scratch with guard floats after it, deliberately not 64-byte aligned.
struct Scratch(Vec<f32>);

const GUARD: usize = 64;

impl Scratch {
    fn new() -> Scratch {
        Scratch(vec![SENTINEL; 1 + SCRATCH_FLOATS + GUARD])
    }
    fn ptr(&mut self) -> *mut f32 {
        unsafe { self.0.as_mut_ptr().add(1) }
    }
    fn check_guard(&self) {
        assert!(self.0[1 + SCRATCH_FLOATS..].iter().all(|&x| x == SENTINEL), "gemm wrote past SCRATCH_FLOATS");
    }
}

#[allow(clippy::too_many_arguments)]
unsafe fn run(
    isa: Isa, s: &mut Stored, c: &Case, trans_a: bool, trans_b: bool, bias: bool, accumulate: bool,
    rows: (usize, usize), cols: (usize, usize), scratch: &mut Scratch,
) {
    let o = Operands {
        a: s.a.as_ptr(), lda: s.lda, trans_a,
        b: s.b.as_ptr(), ldb: s.ldb, trans_b,
        out: s.out.as_mut_ptr(), ldc: s.ldc,
        bias: if bias { c.bias.as_ptr() } else { core::ptr::null() },
        accumulate,
    };
    gemm_on(isa, &o, c.k, rows.0, rows.1, cols.0, cols.1, scratch.ptr());
    scratch.check_guard();
}

/// out = op(A)·op(B) (+ bias) (+ old) in f64, and Σ|terms| per element for the error bound.
fn reference(c: &Case, bias: bool, accumulate: bool) -> (Vec<f64>, Vec<f64>) {
    let (m, n, k) = (c.m, c.n, c.k);
    let mut want = vec![0.0f64; m * n];
    let mut mag = vec![0.0f64; m * n];
    for i in 0..m {
        for j in 0..n {
            let (mut s, mut t) = (0.0f64, 0.0f64);
            for p in 0..k {
                let x = c.a[i * k + p] as f64 * c.b[p * n + j] as f64;
                s += x;
                t += x.abs();
            }
            if bias {
                s += c.bias[j] as f64;
                t += (c.bias[j] as f64).abs();
            }
            if accumulate {
                s += c.old[i * n + j] as f64;
                t += (c.old[i * n + j] as f64).abs();
            }
            want[i * n + j] = s;
            mag[i * n + j] = t;
        }
    }
    (want, mag)
}

fn isas() -> Vec<Isa> {
    Isa::ALL.iter().copied().filter(|i| i.supported()).collect()
}

fn check(isa: Isa, s: &Stored, c: &Case, want: &[f64], mag: &[f64], what: &str) {
    // Worst-case f32 summation error: one rounding per add within a KC
    // block (≤ 256 of them here, fewer for small K) plus one per block, the
    // bias and the old value. A wrong or missing term is off by ~|a·b|.
    let adds = c.k.min(256) + c.k / 256 + 4;
    let bound = adds as f64 * f32::EPSILON as f64;
    for i in 0..c.m {
        for j in 0..s.ldc {
            let got = s.out[i * s.ldc + j];
            if j >= c.n {
                assert_eq!(got, SENTINEL, "{isa:?} {what}: wrote past column n at ({i},{j})");
                continue;
            }
            let (w, t) = (want[i * c.n + j], mag[i * c.n + j]);
            let err = (got as f64 - w).abs();
            assert!(err <= bound * t + 1e-30, "{isa:?} {what}: out[{i},{j}] = {got}, want {w} (err {err:e}, bound {:e})", bound * t);
        }
    }
}

const SIZES: [usize; 9] = [1, 7, 31, 33, 65, 129, 257, 300, 517];

/// Every size in every dimension, kept to shapes with M·N·K ≤ 2^21 so the
/// f64 reference stays fast, plus a few large ones and N past every NC.
fn shapes() -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for &m in &SIZES {
        for &n in &SIZES {
            for &k in &SIZES {
                if m * n * k <= 1 << 21 {
                    out.push((m, n, k));
                }
            }
        }
    }
    out.extend([(300, 517, 257), (129, 300, 517), (517, 65, 300), (257, 257, 129), (5, 4500, 40), (3, 8250, 7)]);
    out
}

#[test]
fn matches_f64_reference_on_every_isa() {
    let isas = isas();
    let mut scratch = Scratch::new();
    let mut count = 0;
    for (idx, &(m, n, k)) in shapes().iter().enumerate() {
        let c = Case::new(m, n, k, idx as u64);
        // Bias and accumulate each on and off, rotating over the four storage
        // orders so every combination meets every size class.
        for flags in 0..4u32 {
            let (bias, accumulate) = (flags & 1 != 0, flags & 2 != 0);
            let (want, mag) = reference(&c, bias, accumulate);
            for order in 0..4u32 {
                if (order + flags + idx as u32) % 2 != 0 && m * n * k > 1 << 16 {
                    continue;
                }
                let (ta, tb) = (order & 1 != 0, order & 2 != 0);
                for &isa in &isas {
                    let mut s = store(&c, ta, tb, accumulate);
                    unsafe { run(isa, &mut s, &c, ta, tb, bias, accumulate, (0, m), (0, n), &mut scratch) };
                    let what = format!("{m}x{n}x{k} transA={ta} transB={tb} bias={bias} acc={accumulate}");
                    check(isa, &s, &c, &want, &mag, &what);
                    count += 1;
                }
            }
        }
    }
    assert!(count > 1000, "only {count} cases ran");
}

#[test]
fn k_zero_gives_bias_or_old_out() {
    let c = Case::new(9, 37, 0, 7);
    let mut scratch = Scratch::new();
    for isa in isas() {
        for flags in 0..4u32 {
            let (bias, accumulate) = (flags & 1 != 0, flags & 2 != 0);
            let (want, mag) = reference(&c, bias, accumulate);
            let mut s = store(&c, false, false, accumulate);
            unsafe { run(isa, &mut s, &c, false, false, bias, accumulate, (0, 9), (0, 37), &mut scratch) };
            check(isa, &s, &c, &want, &mag, "k=0");
        }
    }
}

/// Sorted, distinct split points of 0..=end.
fn cuts(points: &[usize], end: usize) -> Vec<usize> {
    let mut v: Vec<usize> = points.iter().map(|&p| p.min(end)).collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[test]
fn row_and_column_splits_are_bit_identical() {
    let mut scratch = Scratch::new();
    // K over two KC blocks, M over two MC blocks, N over two NC blocks (of
    // every tile), sizes off every MR/NR multiple.
    for &(m, n, k) in &[(67, 81, 600), (150, 45, 300), (33, 130, 1030), (420, 33, 70), (6, 4300, 20)] {
        let c = Case::new(m, n, k, (m * n) as u64);
        for isa in isas() {
            for order in 0..4u32 {
                let (ta, tb) = (order & 1 != 0, order & 2 != 0);
                let (bias, accumulate) = (order != 1, order >= 2);
                let mut whole = store(&c, ta, tb, accumulate);
                unsafe { run(isa, &mut whole, &c, ta, tb, bias, accumulate, (0, m), (0, n), &mut scratch) };
                let row_cuts = cuts(&[0, 1, 6, 20, m / 2 + 3, m], m);
                let col_cuts = cuts(&[0, 5, 17, n / 2 + 1, n], n);
                let mut by_rows = store(&c, ta, tb, accumulate);
                for w in row_cuts.windows(2) {
                    unsafe { run(isa, &mut by_rows, &c, ta, tb, bias, accumulate, (w[0], w[1]), (0, n), &mut scratch) };
                }
                let mut by_cols = store(&c, ta, tb, accumulate);
                for w in col_cuts.windows(2) {
                    unsafe { run(isa, &mut by_cols, &c, ta, tb, bias, accumulate, (0, m), (w[0], w[1]), &mut scratch) };
                }
                let mut by_tiles = store(&c, ta, tb, accumulate);
                for r in row_cuts.windows(2) {
                    for q in col_cuts.windows(2) {
                        unsafe { run(isa, &mut by_tiles, &c, ta, tb, bias, accumulate, (r[0], r[1]), (q[0], q[1]), &mut scratch) };
                    }
                }
                for (name, split) in [("rows", &by_rows), ("columns", &by_cols), ("tiles", &by_tiles)] {
                    let same = whole.out.iter().zip(&split.out).all(|(x, y)| x.to_bits() == y.to_bits());
                    assert!(same, "{isa:?} {m}x{n}x{k} order {order}: split by {name} differs from one call");
                }
            }
        }
    }
}

#[test]
fn gemm_runs_the_detected_isa() {
    // The best supported one unless KILN_NATIVE_LANES caps the width.
    let isa = Isa::detected();
    assert!(isa.supported());
    if std::env::var_os("KILN_NATIVE_LANES").is_none() {
        assert_eq!(Some(&isa), Isa::ALL.iter().find(|i| i.supported()));
    }
    assert_eq!(isa_name(), isa.name());
    // Bit for bit that ISA's result (the 4-lane tile's mul+add differs from
    // FMA's in last bits, so gemm on another ISA than reported fails here).
    let c = Case::new(33, 70, 300, 3);
    let mut scratch = Scratch::new();
    let mut via_gemm = store(&c, false, false, false);
    let mut direct = store(&c, false, false, false);
    unsafe {
        let o = Operands {
            a: via_gemm.a.as_ptr(), lda: via_gemm.lda, trans_a: false,
            b: via_gemm.b.as_ptr(), ldb: via_gemm.ldb, trans_b: false,
            out: via_gemm.out.as_mut_ptr(), ldc: via_gemm.ldc, bias: core::ptr::null(), accumulate: false,
        };
        gemm(&o, c.k, 0, c.m, 0, c.n, scratch.ptr());
        run(isa, &mut direct, &c, false, false, false, false, (0, c.m), (0, c.n), &mut scratch);
    }
    assert!(via_gemm.out.iter().zip(&direct.out).all(|(x, y)| x.to_bits() == y.to_bits()));
}
