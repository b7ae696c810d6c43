/**
 * Shape sets. 'ci' covers odd sizes (1, 3, 7, 17, 33, 65, 127) at a cost a CPU
 * test run affords; 'gpu' is smaller still for software GPUs (SwiftShader);
 * 'full' adds larger shapes for a real device.
 */
export type ShapeProfile = 'ci' | 'full' | 'gpu';

export interface ShapeSet {
  /** [M, N, K] */
  matmul: [number, number, number][];
  /** [rows, C] for norms, bias backward, cross-entropy ([N, V]), embeddings ([n, C]). */
  rows: [number, number][];
  /** Element counts for pointwise ops. */
  pointwise: number[];
  /** [B, T, H, Hkv, D] */
  attention: [number, number, number, number, number][];
}

const CI: ShapeSet = {
  matmul: [
    [1, 1, 1],
    [3, 7, 17],
    [17, 33, 7],
    [65, 3, 127],
    [33, 65, 33],
    [7, 127, 65],
  ],
  rows: [
    [1, 1],
    [3, 7],
    [17, 33],
    [7, 127],
    [65, 65],
  ],
  pointwise: [1, 3, 7, 127, 1000],
  attention: [
    [1, 1, 1, 1, 1],
    [2, 7, 3, 3, 4],
    [1, 17, 4, 2, 8],
    [3, 33, 6, 2, 6],
    [1, 65, 2, 1, 16],
  ],
};

const GPU: ShapeSet = {
  matmul: [
    [1, 1, 1],
    [3, 7, 17],
    [17, 33, 7],
    [33, 17, 65],
  ],
  rows: [
    [1, 1],
    [3, 7],
    [17, 33],
    [5, 127],
  ],
  pointwise: [1, 7, 127, 1000],
  attention: [
    [1, 1, 1, 1, 1],
    [2, 7, 3, 3, 4],
    [1, 17, 4, 2, 8],
  ],
};

const FULL: ShapeSet = {
  matmul: [...CI.matmul, [128, 128, 128], [127, 255, 129], [256, 64, 300]],
  rows: [...CI.rows, [128, 768], [33, 1025]],
  pointwise: [...CI.pointwise, 65537],
  attention: [...CI.attention, [2, 128, 4, 4, 32], [1, 127, 8, 2, 64]],
};

export function shapeSet(profile: ShapeProfile): ShapeSet {
  if (profile === 'ci') return CI;
  if (profile === 'gpu') return GPU;
  if (profile === 'full') return FULL;
  throw new Error(`describeConformance: shapes must be 'ci', 'gpu' or 'full', got '${String(profile)}'`);
}
