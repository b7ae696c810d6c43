/**
 * f32 flops per cycle per core of the FMA units a micro-kernel ISA drives:
 * two FMA pipes (Intel server cores and AMD Zen 4/5 both issue two vector
 * FMAs a cycle), lanes per vector, 2 flops per FMA. Zen 4 splits a 512-bit
 * FMA into two 256-bit halves, so there the AVX-512 figure is an upper bound
 * the measured GFLOP/s will show.
 */
export function fmaFlopsPerCycle(isa: string): number {
  if (isa.startsWith('avx512')) return 2 * 16 * 2;
  if (isa.startsWith('avx2')) return 2 * 8 * 2;
  return 2 * 4 * 2; // 4-lane mul + add
}
