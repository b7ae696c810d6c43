/** Datasheet fp32 (non-tensor-core) peaks in TFLOP/s, to state matmul as a fraction of the card. */
const PEAKS: [RegExp, number][] = [
  [/H200/i, 66.9],
  [/H100.*(SXM|HBM3)/i, 66.9],
  [/H100.*(PCIe|NVL)/i, 51.2],
  [/H100/i, 51.2],
  [/A100/i, 19.5],
  [/L40S/i, 91.6],
  [/L40/i, 90.5],
  [/L4\b/i, 30.3],
  [/A10G/i, 31.2],
  [/A10\b/i, 31.2],
  [/RTX 4090/i, 82.6],
  [/RTX 3090/i, 35.6],
  [/T4\b/i, 8.1],
  [/V100/i, 15.7],
];

export function peakTflops(card: string): number | undefined {
  return PEAKS.find(([re]) => re.test(card))?.[1];
}
