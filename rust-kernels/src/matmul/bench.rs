//! One-thread GFLOP/s of gemm per ISA on GPT-2 training shapes:
//!   cargo test --release bench_gemm -- --ignored --nocapture
//! KILN_BENCH_SHAPES="M,N,K,OP;..." (OP = NN, TN or NT) picks other shapes;
//! plugins/backend-wasm/bench/numpy_sgemm.py takes the same list for OpenBLAS.
use super::*;
use std::time::Instant;

const SHAPES: &str = "1024,768,768,NN;1024,2304,768,NN;1024,3072,768,NN;1024,768,3072,NN;1024,50257,768,NN;\
1024,768,3072,NT;1024,3072,768,NT;768,3072,1024,TN;3072,768,1024,TN;1024,768,50257,NN;768,50257,1024,TN;\
64,1024,64,NT;64,64,1024,NN;1024,64,64,TN";

fn parse(spec: &str) -> Vec<(usize, usize, usize, String)> {
    spec.split(';')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let f: Vec<&str> = s.trim().split(',').collect();
            assert!(f.len() == 4, "KILN_BENCH_SHAPES: '{s}' is not M,N,K,OP");
            let num = |i: usize| f[i].parse::<usize>().unwrap_or_else(|_| panic!("KILN_BENCH_SHAPES: '{}' in '{s}' is not a size", f[i]));
            (num(0), num(1), num(2), f[3].to_string())
        })
        .collect()
}

/// Best GFLOP/s over repeated calls (at least 3, then up to ~1 s).
unsafe fn time(isa: Isa, o: &Operands, m: usize, n: usize, k: usize, scratch: *mut f32) -> f64 {
    gemm_on(isa, o, k, 0, m, 0, n, scratch);
    let start = Instant::now();
    let mut best = f64::INFINITY;
    let mut reps = 0;
    while reps < 3 || (reps < 50 && start.elapsed().as_secs_f64() < 1.0) {
        let t = Instant::now();
        gemm_on(isa, o, k, 0, m, 0, n, scratch);
        best = best.min(t.elapsed().as_secs_f64());
        reps += 1;
    }
    2.0 * (m * n * k) as f64 / best / 1e9
}

#[test]
#[ignore]
fn bench_gemm() {
    let spec = std::env::var("KILN_BENCH_SHAPES").unwrap_or_else(|_| SHAPES.to_string());
    let isas: Vec<Isa> = Isa::ALL.iter().copied().filter(|i| i.supported()).collect();
    let mut scratch = vec![0.0f32; SCRATCH_FLOATS];
    print!("{:<22}", "M×N×K op");
    for isa in &isas {
        print!("{:>12}", isa.name());
    }
    println!("   (GFLOP/s, 1 thread, best of runs)");
    for (m, n, k, op) in parse(&spec) {
        let (ta, tb) = match op.as_str() {
            "NN" => (false, false),
            "TN" => (true, false),
            "NT" => (false, true),
            other => panic!("KILN_BENCH_SHAPES: op '{other}' is not NN, TN or NT"),
        };
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32).cos()).collect();
        let mut out = vec![0.0f32; m * n];
        let o = Operands {
            a: a.as_ptr(), lda: if ta { m } else { k }, trans_a: ta,
            b: b.as_ptr(), ldb: if tb { k } else { n }, trans_b: tb,
            out: out.as_mut_ptr(), ldc: n, bias: core::ptr::null(), accumulate: false,
        };
        print!("{:<22}", format!("{m}×{n}×{k} {op}"));
        for &isa in &isas {
            print!("{:>12.1}", unsafe { time(isa, &o, m, n, k, scratch.as_mut_ptr()) });
        }
        println!();
    }
}
