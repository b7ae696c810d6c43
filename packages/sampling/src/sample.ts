/**
 * Choosing the next token from one row of logits, in the order Hugging Face's
 * `generate` applies its processors: repetition penalty, then temperature,
 * top-k, top-p, then a draw (or argmax when greedy).
 */

/** Anything with a uniform [0, 1) draw: @kiln/core's `Rng` fits. */
export interface UniformSource {
  next(): number;
}

export interface SamplingOptions {
  /** 0 means greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 or undefined keeps all. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all. */
  topP?: number;
  /** > 1 discourages tokens already in the context (HF/CTRL rule); 1 is off. */
  repetitionPenalty?: number;
  /** Always take the most likely token (same as temperature 0). */
  greedy?: boolean;
}

export interface SampledToken {
  tokenId: number;
}

/** Throws a clear error for options that make no sense, naming the field. */
export function validateSamplingOptions(o: SamplingOptions): void {
  const bad = (field: string, why: string) => {
    throw new RangeError(`sampling option '${field}' ${why}`);
  };
  if (o.temperature !== undefined && !(o.temperature >= 0 && Number.isFinite(o.temperature)))
    bad('temperature', `must be a finite number >= 0, got ${o.temperature}`);
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 0))
    bad('topK', `must be an integer >= 0, got ${o.topK}`);
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) bad('topP', `must be in (0, 1], got ${o.topP}`);
  if (o.repetitionPenalty !== undefined && !(o.repetitionPenalty > 0 && Number.isFinite(o.repetitionPenalty)))
    bad('repetitionPenalty', `must be a finite number > 0, got ${o.repetitionPenalty}`);
}

/**
 * HF's RepetitionPenaltyLogitsProcessor: every distinct token already seen has its
 * logit divided by the penalty when positive and multiplied when negative, so it
 * always becomes less likely. Works in place.
 */
export function applyRepetitionPenalty(logits: Float32Array, previous: ArrayLike<number>, penalty: number): void {
  if (penalty === 1) return;
  const seen = new Set<number>();
  for (let i = 0; i < previous.length; i++) {
    const id = previous[i];
    if (seen.has(id) || id < 0 || id >= logits.length) continue;
    seen.add(id);
    const l = logits[id];
    logits[id] = l < 0 ? l * penalty : l / penalty;
  }
}

export function argmax(values: Float32Array): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] > bestValue) {
      bestValue = values[i];
      best = i;
    }
  }
  return best;
}

/** Indices of the k largest values, largest first (a min-heap of size k: O(n log k)). */
export function topKIndices(values: Float32Array, k: number): Uint32Array {
  const n = Math.min(k, values.length);
  const heap = new Uint32Array(n);
  let size = 0;
  const less = (a: number, b: number) => values[a] < values[b] || (values[a] === values[b] && a > b);
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && less(heap[l], heap[m])) m = l;
      if (r < size && less(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let i = 0; i < values.length; i++) {
    if (size < n) {
      heap[size] = i;
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!less(heap[c], heap[p])) break;
        [heap[c], heap[p]] = [heap[p], heap[c]];
        c = p;
      }
    } else if (n > 0 && less(heap[0], i)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => values[b] - values[a] || a - b);
}

/**
 * The top-p nucleus without sorting the vocabulary: bisect on a weight threshold t,
 * keeping t where the tokens with weight >= t still hold at least p of the mass,
 * and scanning only those tokens as the pool shrinks. At convergence the pool is
 * the smallest most-likely set reaching p, the token that crosses p included (as
 * HF's TopPLogitsWarper keeps it); tokens tied at the threshold are all kept.
 * `weights` are exp(score - max), so the largest is 1. Returns ids in index order.
 */
export function nucleus(weights: Float64Array, total: number, topP: number): Uint32Array {
  const target = topP * total;
  let pool = new Uint32Array(weights.length);
  for (let i = 0; i < pool.length; i++) pool[i] = i;
  let lo = 0;
  let hi = 1;
  for (let iter = 0; iter < 64 && hi - lo > 0; iter++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    let mass = 0;
    let count = 0;
    for (let j = 0; j < pool.length; j++) {
      const w = weights[pool[j]];
      if (w >= mid) {
        mass += w;
        count++;
      }
    }
    if (mass >= target) {
      lo = mid;
      if (count < pool.length) {
        const next = new Uint32Array(count);
        for (let j = 0, k = 0; j < pool.length; j++) if (weights[pool[j]] >= mid) next[k++] = pool[j];
        pool = next;
      }
    } else hi = mid;
  }
  return pool;
}

/**
 * Picks the next token. `logits` is left untouched; `previous` are the tokens in the
 * context (prompt + generated) for the repetition penalty.
 */
export function sampleToken(
  logits: Float32Array,
  options: SamplingOptions,
  rng: UniformSource,
  previous: ArrayLike<number> = [],
): SampledToken {
  validateSamplingOptions(options);
  const scores = logits.slice();
  applyRepetitionPenalty(scores, previous, options.repetitionPenalty ?? 1);

  const temperature = options.temperature ?? 1;
  if (options.greedy || temperature === 0) {
    return { tokenId: argmax(scores) };
  }
  for (let i = 0; i < scores.length; i++) scores[i] /= temperature;
  const topK = options.topK ?? 0;
  const topP = options.topP ?? 1;

  // Candidates: the top-k (largest first), the nucleus (index order), or every token.
  let candidates: Uint32Array | null = null;
  let weights: Float64Array;
  let total = 0;
  if (topK > 0 && topK < scores.length) {
    candidates = topKIndices(scores, topK);
    const max = scores[candidates[0]];
    weights = new Float64Array(candidates.length);
    for (let i = 0; i < candidates.length; i++) total += weights[i] = Math.exp(scores[candidates[i]] - max);
  } else {
    const max = scores[argmax(scores)];
    weights = new Float64Array(scores.length);
    for (let i = 0; i < scores.length; i++) total += weights[i] = Math.exp(scores[i] - max);
    if (topP < 1) {
      candidates = nucleus(weights, total, topP);
      const all = weights;
      weights = Float64Array.from(candidates, (id) => all[id]);
    }
  }
  // After top-k (sorted, largest first), top-p keeps tokens until the cumulative
  // probability reaches p, the crossing one included.
  let kept = weights.length;
  if (topP < 1 && topK > 0 && topK < scores.length) {
    let cumulative = 0;
    for (let i = 0; i < weights.length; i++) {
      cumulative += weights[i] / total;
      if (cumulative >= topP) {
        kept = i + 1;
        break;
      }
    }
  }
  let keptTotal = 0;
  for (let i = 0; i < kept; i++) keptTotal += weights[i];

  const r = rng.next() * keptTotal;
  let acc = 0;
  let chosen = kept - 1;
  for (let i = 0; i < kept; i++) {
    acc += weights[i];
    if (r < acc) {
      chosen = i;
      break;
    }
  }
  return { tokenId: candidates ? candidates[chosen] : chosen };
}
