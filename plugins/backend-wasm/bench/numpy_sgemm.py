"""Native sgemm side of matmul.bench.ts: numpy (OpenBLAS through Debian's
libblas alternative) on the same shapes and storage orders as the wasm side.

usage: numpy_sgemm.py REPS 'M,N,K,variant;...'   (variant NN, TN or NT)
Thread count comes from OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, set by the
caller. Prints one JSON line: {"numpy": ..., "results": [GFLOP/s, best of REPS, ...]}.
"""
import json
import sys
import time

import numpy as np


def main():
    reps = int(sys.argv[1])
    out = []
    for spec in sys.argv[2].split(";"):
        m, n, k, variant = spec.split(",")
        m, n, k = int(m), int(n), int(k)
        rng = np.random.default_rng(0)
        a = rng.standard_normal((k, m) if variant == "TN" else (m, k), dtype=np.float32)
        b = rng.standard_normal((n, k) if variant == "NT" else (k, n), dtype=np.float32)
        c = np.empty((m, n), dtype=np.float32)
        op_a = a.T if variant == "TN" else a
        op_b = b.T if variant == "NT" else b
        np.matmul(op_a, op_b, out=c)
        best = float("inf")
        for _ in range(reps):
            t = time.perf_counter()
            np.matmul(op_a, op_b, out=c)
            best = min(best, time.perf_counter() - t)
        out.append(2 * m * n * k / best / 1e9)
    print(json.dumps({"numpy": np.__version__, "results": out}))


if __name__ == "__main__":
    main()
