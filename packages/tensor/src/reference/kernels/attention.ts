import type { FloatArray } from '../ref-buf.js';

/** Sizes and options shared by the attention kernels (see AttentionArgs in backend.ts). */
export interface AttentionDims {
  B: number;
  T: number;
  H: number;
  Hkv: number;
  D: number;
  causal: boolean;
  scale: number;
  segments: Int32Array | null;
}

/** Can query t see key t2 in batch row b? */
function visible(d: AttentionDims, b: number, t: number, t2: number): boolean {
  if (d.causal && t2 > t) return false;
  if (d.segments && d.segments[b * d.T + t2] !== d.segments[b * d.T + t]) return false;
  return true;
}

/**
 * Scaled dot-product attention over a packed qkv (B,T,(H+2Hkv)·D): out (B,T,H·D)
 * and lse (B,H,T), the log-sum-exp of each softmax row, kept for the backward.
 */
export function attention(out: FloatArray, lse: FloatArray, qkv: FloatArray, d: AttentionDims): void {
  const { B, T, H, Hkv, D, scale } = d;
  const S = (H + 2 * Hkv) * D; // qkv row stride
  const group = H / Hkv;
  const scores = new Float64Array(T);
  const acc = new Float64Array(D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / group);
      for (let t = 0; t < T; t++) {
        const q = (b * T + t) * S + h * D;
        let max = -Infinity;
        for (let t2 = 0; t2 < T; t2++) {
          if (!visible(d, b, t, t2)) continue;
          const k = (b * T + t2) * S + (H + g) * D;
          let s = 0;
          for (let i = 0; i < D; i++) s += qkv[q + i] * qkv[k + i];
          s *= scale;
          scores[t2] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let t2 = 0; t2 < T; t2++) {
          if (!visible(d, b, t, t2)) continue;
          const e = Math.exp(scores[t2] - max);
          scores[t2] = e;
          sum += e;
        }
        acc.fill(0);
        for (let t2 = 0; t2 < T; t2++) {
          if (!visible(d, b, t, t2)) continue;
          const p = scores[t2] / sum;
          const v = (b * T + t2) * S + (H + Hkv + g) * D;
          for (let i = 0; i < D; i++) acc[i] += p * qkv[v + i];
        }
        const o = (b * T + t) * H * D + h * D;
        for (let i = 0; i < D; i++) out[o + i] = acc[i];
        lse[(b * H + h) * T + t] = max + Math.log(sum);
      }
    }
  }
}

/**
 * Attention backward from the saved lse: the softmax row is recomputed, never
 * stored. Accumulates into dqkv (B,T,(H+2Hkv)·D).
 */
export function attentionBackward(
  dqkv: FloatArray,
  dout: FloatArray,
  qkv: FloatArray,
  lse: FloatArray,
  d: AttentionDims,
): void {
  const { B, T, H, Hkv, D, scale } = d;
  const S = (H + 2 * Hkv) * D;
  const group = H / Hkv;
  const p = new Float64Array(T);
  const dp = new Float64Array(T);
  const dq = new Float64Array(D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / group);
      for (let t = 0; t < T; t++) {
        const q = (b * T + t) * S + h * D;
        const o = (b * T + t) * H * D + h * D;
        const l = lse[(b * H + h) * T + t];
        // p = softmax row, dp = dout · v, and their dot product for the softmax Jacobian.
        let pdp = 0;
        for (let t2 = 0; t2 < T; t2++) {
          if (!visible(d, b, t, t2)) continue;
          const k = (b * T + t2) * S + (H + g) * D;
          const v = (b * T + t2) * S + (H + Hkv + g) * D;
          let s = 0;
          let dv = 0;
          for (let i = 0; i < D; i++) {
            s += qkv[q + i] * qkv[k + i];
            dv += dout[o + i] * qkv[v + i];
          }
          p[t2] = Math.exp(s * scale - l);
          dp[t2] = dv;
          pdp += p[t2] * dv;
        }
        dq.fill(0);
        for (let t2 = 0; t2 < T; t2++) {
          if (!visible(d, b, t, t2)) continue;
          const k = (b * T + t2) * S + (H + g) * D;
          const v = (b * T + t2) * S + (H + Hkv + g) * D;
          const ds = p[t2] * (dp[t2] - pdp) * scale;
          for (let i = 0; i < D; i++) {
            dq[i] += ds * qkv[k + i];
            dqkv[k + i] += ds * qkv[q + i];
            dqkv[v + i] += p[t2] * dout[o + i];
          }
        }
        for (let i = 0; i < D; i++) dqkv[q + i] += dq[i];
      }
    }
  }
}

// Generation: attention over a KV cache (forward only). Also the host fallback
// for backends that lack attentionKV.

export interface AttentionKVDims {
  B: number;
  Tq: number;
  Tmax: number;
  pos: number;
  H: number;
  Hkv: number;
  D: number;
  scale: number;
}

/**
 * Writes the new tokens' keys/values into rows pos..pos+Tq-1 of the caches
 * (B,Tmax,Hkv·D), then out (B,Tq,H·D): query t attends to cache rows 0..pos+t.
 */
/** Throws unless rows are distinct cache rows (< B) and positions fit the cache (< Tmax): a bad one would write outside it. */
export function checkCacheRows(
  op: string,
  rows: Int32Array,
  positions: Int32Array,
  n: number,
  B: number,
  Tmax: number,
): void {
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    if (!(rows[i] >= 0 && rows[i] < B))
      throw new Error(`${op}: rows[${i}] = ${rows[i]} is outside the cache's ${B} rows`);
    if (seen.has(rows[i])) throw new Error(`${op}: rows[${i}] = ${rows[i]} appears twice`);
    seen.add(rows[i]);
    if (!(positions[i] >= 0 && positions[i] < Tmax))
      throw new Error(`${op}: positions[${i}] = ${positions[i]} is outside the cache's ${Tmax} positions`);
  }
}

export function attentionKV(
  out: FloatArray,
  kCache: FloatArray,
  vCache: FloatArray,
  qkv: FloatArray,
  d: AttentionKVDims,
): void {
  const { B, Tq, Tmax, pos, H, Hkv, D, scale } = d;
  const S = (H + 2 * Hkv) * D;
  const C = Hkv * D;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Tq; t++) {
      const src = (b * Tq + t) * S;
      const dst = (b * Tmax + pos + t) * C;
      for (let i = 0; i < C; i++) {
        kCache[dst + i] = qkv[src + H * D + i];
        vCache[dst + i] = qkv[src + (H + Hkv) * D + i];
      }
    }
  }
  const group = H / Hkv;
  const scores = new Float64Array(pos + Tq);
  const acc = new Float64Array(D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / group);
      for (let t = 0; t < Tq; t++) {
        const q = (b * Tq + t) * S + h * D;
        const L = pos + t + 1;
        let max = -Infinity;
        for (let j = 0; j < L; j++) {
          const k = (b * Tmax + j) * C + g * D;
          let s = 0;
          for (let i = 0; i < D; i++) s += qkv[q + i] * kCache[k + i];
          s *= scale;
          scores[j] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let j = 0; j < L; j++) sum += scores[j] = Math.exp(scores[j] - max);
        acc.fill(0);
        for (let j = 0; j < L; j++) {
          const p = scores[j] / sum;
          const v = (b * Tmax + j) * C + g * D;
          for (let i = 0; i < D; i++) acc[i] += p * vCache[v + i];
        }
        const o = (b * Tq + t) * H * D + h * D;
        for (let i = 0; i < D; i++) out[o + i] = acc[i];
      }
    }
  }
}
