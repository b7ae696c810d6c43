import type { TokenBatches } from '@kiln/core';
import { createRng, type Rng } from '@kiln/tensor';

/** What `MemoryTokenBatches.state()` returns: the window sampler's RNG. */
export interface MemoryBatchesState {
  kind: 'memory-token-batches';
  tokens: number;
  rng: number[];
}

/**
 * Random windows over an in-memory token array (nanoGPT's get_batch): each row
 * starts at a uniformly drawn offset, inputs = tokens[s, s+T), targets =
 * tokens[s+1, s+T+1). Seeded, and its whole state is the RNG, so a checkpoint
 * resumes it exactly. Token shards on disk get their own TokenBatches (the data
 * plugin); this one serves byte-level text and tests.
 */
export class MemoryTokenBatches implements TokenBatches {
  private readonly rng: Rng;

  /** `rng`: a seed, or a seeded stream (e.g. ctx.rng.fork('train-data')) that this sampler then owns. */
  constructor(
    private readonly data: ArrayLike<number>,
    rng: number | Rng,
    private readonly name = 'tokens',
  ) {
    if (data.length < 2)
      throw new Error(`${name}: ${data.length} tokens, need at least 2 for one (input, target) pair`);
    this.rng = typeof rng === 'number' ? createRng(rng) : rng;
  }

  get tokens(): number {
    return this.data.length;
  }

  next(B: number, T: number): { inputs: Int32Array; targets: Int32Array } {
    if (!(Number.isInteger(B) && B > 0 && Number.isInteger(T) && T > 0))
      throw new Error(`${this.name}: bad batch shape B=${B}, T=${T}`);
    if (T + 1 > this.data.length)
      throw new Error(`${this.name}: ${this.data.length} tokens cannot fill one window of T+1 = ${T + 1}`);
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const s = this.rng.int(this.data.length - T);
      for (let t = 0; t < T; t++) {
        inputs[b * T + t] = this.data[s + t];
        targets[b * T + t] = this.data[s + t + 1];
      }
    }
    return { inputs, targets };
  }

  state(): MemoryBatchesState {
    return { kind: 'memory-token-batches', tokens: this.data.length, rng: this.rng.state() };
  }

  restore(state: unknown): void {
    const s = state as MemoryBatchesState | undefined;
    if (s?.kind !== 'memory-token-batches')
      throw new Error(`${this.name}: cannot restore a data position of kind ${JSON.stringify(s?.kind)}`);
    if (s.tokens !== this.data.length) {
      throw new Error(
        `${this.name}: the checkpoint was taken over ${s.tokens} tokens, this data has ${this.data.length} (different text?)`,
      );
    }
    this.rng.restore(s.rng);
  }
}

/** UTF-8 bytes of a text as tokens 0..255 (a byte-level vocabulary). */
export function byteTokens(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * Split tokens into a training head and a validation tail (`valFraction` of
 * them), so validation text is never trained on.
 */
export function splitTokens<A extends Uint8Array | Int32Array>(tokens: A, valFraction: number): { train: A; val: A } {
  if (!(valFraction > 0 && valFraction < 1))
    throw new Error(`splitTokens: valFraction must be in (0, 1), got ${valFraction}`);
  const cut = Math.floor(tokens.length * (1 - valFraction));
  return { train: tokens.subarray(0, cut) as A, val: tokens.subarray(cut) as A };
}

/** Shannon entropy (nats per token) of the unigram distribution: the loss of the best context-free model. */
export function unigramEntropy(tokens: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < tokens.length; i++) counts.set(tokens[i], (counts.get(tokens[i]) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / tokens.length;
    h -= p * Math.log(p);
  }
  return h;
}
