/**
 * The core clock as wasm code sees it, and the matmul peak it implies.
 *
 * The host behind these machines changes speed from minute to minute, so a
 * GFLOP/s figure alone says little: the benchmarks print it next to the
 * clock measured in the same run. The probe is a chain of dependent i32.xor
 * (one cycle each on x86-64), hand-assembled here so no toolchain is needed.
 * It measures latency, so it cannot see a host neighbour sharing the core's
 * FP pipes: compare with native sgemm in the same run for that.
 */

/** f32x4 mul + add per cycle on this CPU class (2 FP multiply + 2 FP add pipes, 4 lanes, no FMA in wasm SIMD). */
export const SIMD128_FLOPS_PER_CYCLE = 16;

const CHAIN = 200;

/** A module exporting clk(n, x): n iterations of CHAIN dependent xors on x. */
function probeModule(): Uint8Array {
  const body: number[] = [0x00]; // no extra locals
  body.push(0x03, 0x40); // loop (void)
  for (let i = 0; i < CHAIN; i++) {
    // local.get 1; i32.const c (single-byte LEB, 0..63); i32.xor; local.set 1
    body.push(0x20, 0x01, 0x41, (2 * i + 1) & 0x3f, 0x73, 0x21, 0x01);
  }
  // local.get 0; i32.const 1; i32.sub; local.tee 0; br_if 0; end; local.get 1; end
  body.push(0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b);
  const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];
  const code = [0x01, ...leb(body.length), ...body];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f]), // type: (i32, i32) -> i32
    ...section(3, [0x01, 0x00]), // one function of type 0
    ...section(7, [0x01, 0x03, 0x63, 0x6c, 0x6b, 0x00, 0x00]), // export "clk"
    ...section(10, code),
  ]);
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** Best-of-runs clock estimate in GHz (one dependent xor per cycle). */
export function measureClockGHz(runs = 5): number {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(probeModule()));
  const clk = exports.clk as (n: number, x: number) => number;
  clk(20_000, 1); // leave the baseline tier
  let best = 0;
  for (let r = 0; r < runs; r++) {
    const n = 200_000;
    const t = performance.now();
    clk(n, r);
    best = Math.max(best, (n * CHAIN) / ((performance.now() - t) * 1e6));
  }
  return best;
}
