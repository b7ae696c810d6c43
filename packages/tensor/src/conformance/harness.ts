import type { Backend, Buf, BufView } from '../backend.js';

/** Host data of one buffer: f32 values, i32 ids or i8 quantized weights. */
export type HostData = Float32Array | Int32Array | Int8Array;

/**
 * One conformance case: the initial contents of every buffer (outputs too,
 * so accumulate semantics are tested against non-zero starting values), the
 * op to run, and which buffers to compare afterwards.
 */
export interface OpCase {
  name: string;
  bufs: Record<string, HostData>;
  /** Buffers whose contents after `run` must match the reference. */
  check: string[];
  run(be: Backend, b: Record<string, BufView>): void;
  /** Tolerance group (see Tolerances). */
  tol: keyof Tolerances;
  /** An optional Backend method the case needs; backends without it skip the case. */
  requires?: 'attentionKV' | 'matmulQ' | 'embeddingQ' | 'attentionKVRows';
  /**
   * Per element of checked buffer `name`, an error the contract allows on top
   * of the tolerance (quantized matmul's rounding of the activations), from the
   * case's inputs; undefined where there is none.
   */
  allowance?(name: string, bufs: Record<string, HostData>): Float32Array | undefined;
}

/**
 * f32 tolerances, per element: |actual − ref| ≤ atol · max|ref| + rtol · |ref|.
 * atol is relative to the largest magnitude in the tensor, so sums with
 * cancellation (matmul, attention) are judged on their scale.
 */
export interface Tol {
  rtol: number;
  atol: number;
}

export interface Tolerances {
  /** Pointwise ops, copies, embeddings, AdamW. */
  exact: Tol;
  /** Ops with reductions (matmul, norms, softmax, cross-entropy, attention). */
  reduce: Tol;
}

export const DEFAULT_TOLERANCES: Tolerances = {
  exact: { rtol: 1e-5, atol: 1e-6 },
  reduce: { rtol: 1e-4, atol: 1e-4 },
};

/** Guards around each buffer: a kernel that writes out of bounds changes them. */
const SENTINEL = 7.25;
const PAD = 3;

/**
 * Run a case on a backend. With `padded`, every buffer is allocated PAD
 * elements larger on each side and passed as an offset view; the pads must
 * come back untouched.
 */
export async function runCase(be: Backend, c: OpCase, padded: boolean): Promise<Record<string, HostData>> {
  const bufs: Record<string, Buf> = {};
  const views: Record<string, BufView> = {};
  const pad = padded ? PAD : 0;
  try {
    for (const [name, data] of Object.entries(c.bufs)) {
      const dtype = data instanceof Int32Array ? 'i32' : data instanceof Int8Array ? 'i8' : 'f32';
      const buf = be.alloc(dtype, data.length + 2 * pad);
      bufs[name] = buf;
      if (pad) {
        const guard =
          dtype === 'i32'
            ? new Int32Array(pad).fill(7)
            : dtype === 'i8'
              ? new Int8Array(pad).fill(7)
              : new Float32Array(pad).fill(SENTINEL);
        be.write(buf, guard, 0);
        be.write(buf, guard, pad + data.length);
      }
      if (data.length) be.write(buf, data, pad);
      views[name] = pad ? { buf, offset: pad } : buf;
    }
    c.run(be, views);
    const out: Record<string, HostData> = {};
    for (const name of c.check) {
      const all = (await be.read(bufs[name])) as HostData;
      const n = c.bufs[name].length;
      if (pad) {
        for (const i of [...Array(pad).keys(), ...Array.from({ length: pad }, (_, k) => pad + n + k)]) {
          const want = all instanceof Int32Array || all instanceof Int8Array ? 7 : SENTINEL;
          if (all[i] !== want)
            throw new Error(
              `${c.name}: wrote outside '${name}' (element ${i - pad} relative to the view holds ${all[i]})`,
            );
        }
      }
      out[name] = all.slice(pad, pad + n);
    }
    return out;
  } finally {
    for (const b of Object.values(bufs)) be.free(b);
  }
}

/** Compare with the reference; returns a message describing the worst element, or null when within tolerance. */
export function compare(
  name: string,
  actual: HostData,
  ref: HostData,
  tol: Tol,
  allowance?: Float32Array,
): string | null {
  if (actual.length !== ref.length) return `${name}: ${actual.length} elements, reference has ${ref.length}`;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) if (Math.abs(ref[i]) > scale) scale = Math.abs(ref[i]);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = actual[i];
    const r = ref[i];
    if (Number.isNaN(r) !== Number.isNaN(a)) return `${name}[${i}]: got ${a}, reference ${r}`;
    if (Number.isNaN(r)) continue;
    const excess = Math.abs(a - r) - (tol.atol * scale + tol.rtol * Math.abs(r) + (allowance?.[i] ?? 0));
    if (excess > worstExcess || !Number.isFinite(a)) {
      worstExcess = Number.isFinite(a) ? excess : Infinity;
      worst = i;
    }
  }
  if (worst < 0) return null;
  const a = actual[worst];
  const r = ref[worst];
  const extra = allowance ? ` + allowed ${allowance[worst].toExponential(2)}` : '';
  return `${name}[${worst}]: got ${a}, reference ${r} (|diff| ${Math.abs(a - r).toExponential(2)} > ${tol.atol}·max|ref| ${scale.toExponential(2)} + ${tol.rtol}·|ref|${extra})`;
}
