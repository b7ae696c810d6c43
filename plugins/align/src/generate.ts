import { noGrad, tidy, type Rng } from '@kiln/tensor';
import type { PolicyModel } from './policy.js';

export interface SampleOptions {
  maxNewTokens: number;
  /** 0: greedy. */
  temperature: number;
  /** Stop tokens (end-of-turn, eos); the stop token is kept in the completion. */
  stopIds: readonly number[];
  rng: Rng;
}

/**
 * Sample n completions of one prompt, all rows at once, recomputing the whole
 * prefix each token (no KV cache: completions here are short, and the policy
 * changes every step). Kept behind this one function so a cached generator can
 * replace it.
 */
export async function sampleCompletions(model: PolicyModel, prompt: readonly number[], n: number, o: SampleOptions): Promise<number[][]> {
  const ctxLen = model.config?.nPositions ?? Infinity;
  const rows = Array.from({ length: n }, () => [...prompt]);
  const done = new Array<boolean>(n).fill(false);
  const V = model.config?.vocabSize;
  for (let step = 0; step < o.maxNewTokens && done.some((d) => !d); step++) {
    const t = rows[0].length;
    if (t >= ctxLen) break;
    const ids = Int32Array.from(rows.flat());
    const last = await noGrad(() =>
      tidy(() => {
        const { logits } = model.forward(ids, null, { T: t });
        return logits.toArray();
      }),
    );
    const vocab = V ?? last.length / (n * t);
    for (let b = 0; b < n; b++) {
      const off = (b * t + t - 1) * vocab;
      const next = done[b] ? o.stopIds[0] ?? 0 : pick(last as Float32Array, off, vocab, o);
      rows[b].push(next);
      if (o.stopIds.includes(next)) done[b] = true;
    }
  }
  // Rows that finished early were padded with a stop id after it: cut at the first stop.
  return rows.map((r) => {
    const c = r.slice(prompt.length);
    const stop = c.findIndex((id) => o.stopIds.includes(id));
    return stop < 0 ? c : c.slice(0, stop + 1);
  });
}

function pick(logits: Float32Array, off: number, V: number, o: SampleOptions): number {
  let best = 0;
  for (let v = 1; v < V; v++) if (logits[off + v] > logits[off + best]) best = v;
  if (o.temperature <= 0) return best;
  let sum = 0;
  const p = new Float64Array(V);
  for (let v = 0; v < V; v++) sum += p[v] = Math.exp((logits[off + v] - logits[off + best]) / o.temperature);
  let u = o.rng.next() * sum;
  for (let v = 0; v < V; v++) if ((u -= p[v]) <= 0) return v;
  return V - 1;
}
