/**
 * Weight matrices as the inference engine uses them: dense f32 (pointing at a
 * model's own parameter buffer, no copy) or group-quantized (i8 / packed int4
 * on the device, applied by the backend's matmulQ, dequantized in the kernel).
 */
import type { Backend, Buf, BufView, QuantizedWeight } from '../backend.js';
import { dequantize } from '../reference/kernels/quant.js';

/** A dense weight. 'in-out' is HF's Conv1D [in, out]; 'out-in' is nn.Linear's [out, in]. */
export interface DenseWeight {
  kind: 'dense';
  w: BufView;
  layout: 'in-out' | 'out-in';
  inFeatures: number;
  outFeatures: number;
  bias: BufView | null;
}

/** Host copy of a quantized weight: what compressors produce and files store. */
export interface QuantizedHost {
  bits: 4 | 8;
  group: number;
  /** [out, in] rows, quantized along `in` (see QuantizedWeight in @kiln/tensor). */
  data: Int8Array;
  scales: Float32Array;
}

export interface QuantWeight {
  kind: 'quant';
  /** Device buffers the kernels read. */
  device: QuantizedWeight;
  /** The same values on the host: fallbacks dequantize from it and save() writes it. */
  host: QuantizedHost;
  inFeatures: number;
  outFeatures: number;
  bias: BufView | null;
}

export type LinearWeight = DenseWeight | QuantWeight;

/** Uploads a quantized matrix; the returned buffers belong to the caller. */
export function uploadQuantized(
  be: Backend,
  host: QuantizedHost,
  outFeatures: number,
  inFeatures: number,
  bias: BufView | null,
): QuantWeight {
  const expected = host.bits === 8 ? outFeatures * inFeatures : (outFeatures * inFeatures) / 2;
  if (host.data.length !== expected)
    throw new Error(
      `uploadQuantized: ${host.bits}-bit data for [${outFeatures}, ${inFeatures}] needs ${expected} bytes, got ${host.data.length}`,
    );
  if (host.scales.length * host.group !== outFeatures * inFeatures)
    throw new Error(
      `uploadQuantized: ${host.scales.length} scales do not cover [${outFeatures}, ${inFeatures}] in groups of ${host.group}`,
    );
  const data: Buf = be.alloc('i8', host.data.length);
  be.write(data, host.data);
  const scales: Buf = be.alloc('f32', host.scales.length);
  be.write(scales, host.scales);
  return {
    kind: 'quant',
    device: { data, scales, bits: host.bits, group: host.group },
    host,
    inFeatures,
    outFeatures,
    bias,
  };
}

/** Bytes the weight occupies (data + scales; biases are counted with the dense tensors). */
export function weightBytes(w: LinearWeight): number {
  return w.kind === 'dense' ? 4 * w.inFeatures * w.outFeatures : w.host.data.length + 4 * w.host.scales.length;
}

/**
 * out[M, outFeatures] (+)= x[M, inFeatures] · Wᵀ + bias, on whatever the backend
 * offers; `accumulate` adds into out (a residual stream) instead of overwriting it.
 */
export function applyLinear(
  be: Backend,
  w: LinearWeight,
  out: BufView,
  x: BufView,
  M: number,
  accumulate = false,
): void {
  const N = w.outFeatures;
  const K = w.inFeatures;
  const bias = w.bias ?? undefined;
  if (w.kind === 'dense') {
    be.matmul({ out, a: x, b: w.w, bias, M, N, K, transB: w.layout === 'out-in', accumulate });
  } else if (be.matmulQ) {
    be.matmulQ({ out, a: x, w: w.device, bias, M, N, K, accumulate });
  } else {
    // Fallback for backends without matmulQ: dequantize on the host into a temporary buffer.
    const tmp = be.alloc('f32', N * K);
    be.write(tmp, dequantize(w.host.data, w.host.scales, N, K, w.host));
    be.matmul({ out, a: x, b: tmp, bias, M, N, K, transB: true, accumulate });
    be.free(tmp);
  }
}

/** Rows ids[0..n) of a (V, C) table, dense or quantized. */
export function lookupRows(
  be: Backend,
  table: LinearWeight,
  out: BufView,
  ids: Buf,
  hostIds: Int32Array,
  n: number,
): void {
  const C = table.inFeatures;
  if (table.kind === 'dense') {
    be.embedding(out, table.w, ids, n, C);
  } else if (be.embeddingQ) {
    be.embeddingQ(out, table.device, ids, n, C);
  } else {
    const rows = new Float32Array(n * C);
    const all = table.host;
    for (let i = 0; i < n; i++) {
      const id = hostIds[i];
      if (id < 0 || id >= table.outFeatures)
        throw new Error(`embedding: id ${id} at position ${i} is outside the table (0..${table.outFeatures - 1})`);
      const s = all.bits === 8 ? id * C : (id * C) / 2;
      const bytes = all.bits === 8 ? C : C / 2;
      rows.set(
        dequantize(
          all.data.subarray(s, s + bytes),
          all.scales.subarray((id * C) / all.group, ((id + 1) * C) / all.group),
          1,
          C,
          all,
        ),
        i * C,
      );
    }
    be.write('buf' in out ? out.buf : out, rows, 'buf' in out ? out.offset : 0);
  }
}

export function freeWeight(be: Backend, w: LinearWeight): void {
  if (w.kind === 'quant') {
    be.free('buf' in w.device.data ? w.device.data.buf : w.device.data);
    be.free('buf' in w.device.scales ? w.device.scales.buf : w.device.scales);
  }
}
