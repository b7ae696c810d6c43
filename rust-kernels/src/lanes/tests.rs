//! exp and tanh on every width this CPU runs, against f64, over the range
//! the kernels feed them, with partial last vectors of every size.
//! `cargo test --release lanes` in rust-kernels/.
use super::math::{exp, tanh};
use super::*;

/// out[i] = f(x[i]) through vectors of L, the tail by load_n/store_n.
#[inline(always)]
unsafe fn map<L: Lanes>(x: &[f32], out: &mut [f32], which: u8) {
    let (xp, op) = (x.as_ptr(), out.as_mut_ptr());
    each_vector!(L, i, n in 0, x.len() => {
        let v = L::load_n(xp.add(i), n);
        L::store_n(op.add(i), if which == 0 { exp::<L>(v) } else { tanh::<L>(v) }, n);
    });
}

/// f over x on every width this CPU has, each output checked for writes
/// past its end (a guard after it must stay untouched).
fn run_all(x: &[f32], which: u8) -> Vec<(usize, Vec<f32>)> {
    const GUARD: f32 = -7.0;
    let n = x.len();
    let mut runs = Vec::new();
    let mut keep = |w: usize, out: &[f32]| {
        assert!(out[n..].iter().all(|&g| g == GUARD), "width {w}: wrote past the end of {n} floats");
        runs.push((w, out[..n].to_vec()));
    };
    let mut out = vec![GUARD; n + 16];
    unsafe { map::<V4>(x, &mut out[..n], which) };
    keep(4, &out);
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2,fma")]
        unsafe fn w8(x: &[f32], out: &mut [f32], which: u8) {
            map::<Avx2>(x, out, which)
        }
        #[target_feature(enable = "avx512f,avx2,fma")]
        unsafe fn w16(x: &[f32], out: &mut [f32], which: u8) {
            map::<Avx512>(x, out, which)
        }
        if width() >= 8 {
            let mut out = vec![GUARD; n + 16];
            unsafe { w8(x, &mut out[..n], which) };
            keep(8, &out);
        }
        if width() >= 16 {
            let mut out = vec![GUARD; n + 16];
            unsafe { w16(x, &mut out[..n], which) };
            keep(16, &out);
        }
    }
    runs
}

/// 20 001 points over [lo, hi] plus a length that leaves a partial vector.
fn sweep(lo: f32, hi: f32) -> Vec<f32> {
    (0..20_001).map(|i| lo + (hi - lo) * i as f32 / 20_000.0).collect()
}

#[test]
fn exp_is_within_2ulp_of_f64_on_every_width() {
    let x = sweep(-87.0, 88.0);
    for (w, y) in run_all(&x, 0) {
        for (&xi, &yi) in x.iter().zip(&y) {
            let want = (xi as f64).exp();
            let rel = ((yi as f64 - want) / want).abs();
            assert!(rel < 2.5e-7, "width {w}: exp({xi}) = {yi}, want {want} (rel {rel:e})");
        }
    }
}

#[test]
fn exp_clamps_and_passes_nan() {
    let x = [-1000.0f32, 1000.0, f32::NAN, 0.0, -0.0];
    for (w, y) in run_all(&x, 0) {
        assert!(y[0] > 0.0 && y[0] < 1e-37, "width {w}: exp(-1000) = {}", y[0]);
        assert!(y[1] > 1e38 && y[1].is_finite(), "width {w}: exp(1000) = {}", y[1]);
        assert!(y[2].is_nan(), "width {w}: exp(NaN) = {}", y[2]);
        assert_eq!((y[3], y[4]), (1.0, 1.0), "width {w}");
    }
}

#[test]
fn tanh_is_accurate_and_odd_on_every_width() {
    let x = sweep(-12.0, 12.0);
    for (w, y) in run_all(&x, 1) {
        for (&xi, &yi) in x.iter().zip(&y) {
            let want = (xi as f64).tanh();
            let err = (yi as f64 - want).abs();
            assert!(err <= 2.5e-7 * want.abs().max(1e-30) + 1e-38 || err < 1.2e-7, "width {w}: tanh({xi}) = {yi}, want {want}");
        }
    }
    let neg: Vec<f32> = x.iter().map(|v| -v).collect();
    for ((w, y), (_, yn)) in run_all(&x, 1).into_iter().zip(run_all(&neg, 1)) {
        for ((a, b), xi) in y.iter().zip(&yn).zip(&x) {
            assert_eq!(*a, -*b, "width {w}: tanh not odd at {xi}");
        }
    }
    let tiny = [1e-20f32, -3e-8, 0.0];
    for (w, y) in run_all(&tiny, 1) {
        assert_eq!(y[..2], tiny[..2], "width {w}: tanh of tiny inputs keeps them");
        assert_eq!(y[2].to_bits(), 0, "width {w}");
    }
}

#[test]
fn widths_agree_within_rounding() {
    let x = sweep(-20.0, 20.0);
    let runs = run_all(&x, 0);
    for (w, y) in &runs[1..] {
        for ((a, b), xi) in runs[0].1.iter().zip(y).zip(&x) {
            assert!(((a - b) / a).abs() < 3e-7, "width {w} vs 4 at {xi}: {b} vs {a}");
        }
    }
}

#[test]
fn partial_vectors_touch_only_their_lanes() {
    // Every length up to 40: whole vectors, then a partial one of each size.
    for len in 1..40 {
        let x: Vec<f32> = (0..len).map(|i| i as f32 * 0.25 - 3.0).collect();
        for (w, y) in run_all(&x, 0) {
            for (i, (&xi, &yi)) in x.iter().zip(&y).enumerate() {
                assert!((yi - xi.exp()).abs() <= 2.5e-7 * xi.exp(), "width {w}, len {len}: element {i}");
            }
        }
    }
}
