import { gradOf, record } from '../autograd/tape.js';
import { Tensor } from '../tensor.js';
import { expectDtype, lastDim } from './check.js';

export interface HeadDims {
  /** Query heads. */
  H: number;
  /** Key/value heads (H for plain multi-head attention; fewer for GQA). */
  Hkv: number;
  /** Head size. */
  D: number;
}

export interface AttentionOptions extends HeadDims {
  /** Causal mask (default true). */
  causal?: boolean;
  /** (B,T) i32 segment ids: tokens attend only within their segment. */
  segments?: Tensor;
  /** Softmax scale, default 1/sqrt(D). */
  scale?: number;
}

/** Read B and T from a packed qkv of shape (B, T, (H+2Hkv)·D). */
function batchDims(op: string, qkv: Tensor, d: HeadDims): { B: number; T: number } {
  expectDtype(op, 'qkv', qkv, 'f32');
  const width = (d.H + 2 * d.Hkv) * d.D;
  if (lastDim(qkv) !== width || qkv.shape.length < 2) {
    throw new Error(`${op}: qkv must be (B, T, (H+2·Hkv)·D = ${width}), got [${qkv.shape.join(', ')}]`);
  }
  if (d.H % d.Hkv !== 0) throw new Error(`${op}: H (${d.H}) must be a multiple of Hkv (${d.Hkv})`);
  const T = qkv.shape[qkv.shape.length - 2];
  return { B: qkv.size / (T * width), T };
}

/**
 * Multi-head scaled dot-product attention over a packed qkv (B,T,(H+2Hkv)·D)
 * → (B,T,H·D). The softmax rows' log-sum-exp is kept for the backward, so
 * the (T,T) matrix is never stored.
 */
export function attention(qkv: Tensor, o: AttentionOptions): Tensor {
  const { B, T } = batchDims('attention', qkv, o);
  const { H, Hkv, D } = o;
  if (o.segments) expectDtype('attention', 'segments', o.segments, 'i32');
  const be = qkv.backend;
  const out = Tensor.zeros(be, [...qkv.shape.slice(0, -1), H * D]);
  const lse = Tensor.zeros(be, [B, H, T]);
  const args = {
    B,
    T,
    H,
    Hkv,
    D,
    causal: o.causal ?? true,
    scale: o.scale,
    segments: o.segments?.view,
    qkv: qkv.view,
    out: out.view,
    lse: lse.view,
  };
  be.attention(args);
  return record(out, 'attention', [qkv], (dout) => {
    const dqkv = gradOf(qkv);
    if (dqkv) be.attentionBackward({ ...args, dout: dout.view, dqkv: dqkv.view });
  });
}

export interface RopeOptions extends HeadDims {
  /** Base of the rotary frequencies (10000 in Llama 2, 500000 in Llama 3). */
  theta?: number;
  /** Position of the first token (for decoding with a KV cache). */
  posOffset?: number;
}

/** Rotary position embedding on the query and key heads of a packed qkv (HF "rotate half"). */
export function rope(qkv: Tensor, o: RopeOptions): Tensor {
  const { B, T } = batchDims('rope', qkv, o);
  if (o.D % 2 !== 0) throw new Error(`rope: head size D (${o.D}) must be even`);
  const be = qkv.backend;
  const out = Tensor.zeros(be, qkv.shape);
  const dims = { B, T, H: o.H, Hkv: o.Hkv, D: o.D, theta: o.theta ?? 10000, posOffset: o.posOffset ?? 0 };
  be.rope({ ...dims, out: out.view, inp: qkv.view });
  return record(out, 'rope', [qkv], (dout) => {
    const dinp = gradOf(qkv);
    if (dinp) be.ropeBackward({ ...dims, dinp: dinp.view, dout: dout.view });
  });
}
