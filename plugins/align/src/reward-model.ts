import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Backend,
  embedding,
  type HiddenStatesLM,
  IGNORE_INDEX,
  Linear,
  linear,
  type Rng,
  readSafetensors,
  reshape,
  Tensor,
  writeFileAtomic,
  writeSafetensors,
} from '@kiln/tensor';
import { tokenNll } from './logprobs.js';

export const HEAD_FILE = 'reward_head.safetensors';
export const REWARD_WRITER = 'kiln:align@0.1.0';

/**
 * How a sequence becomes one number. 'last-token': the closing token's hidden state through a
 * linear head (TRL's AutoModelForSequenceClassification with num_labels = 1). 'log-likelihood':
 * the body's own log-probability of the reply per token, mean log p(token | before) (a mean, so a
 * shorter reply scores no higher), a language model used as the reward model (the implicit reward of Rafailov et al. 2023, without a reference): it starts
 * from what the starting model already tells apart, and the pairs train it further.
 */
export type RewardPooling = 'last-token' | 'log-likelihood';

/** A reward model: the transformer body and how it reads a sequence (`pooling`). */
export class RewardModel {
  readonly head: Linear;

  constructor(
    readonly body: HiddenStatesLM,
    backend: Backend,
    rng: Rng,
    readonly pooling: RewardPooling = 'last-token',
  ) {
    const C = body.config?.nEmbd;
    if (!C) throw new Error('RewardModel: the model does not state its width (config.nEmbd)');
    this.head = new Linear(backend, C, 1, rng, { bias: true, std: 1 / Math.sqrt(C) });
  }

  /** What training updates: the body, and the head when it reads the sequence ('last-token'). */
  parameters(): Map<string, Tensor> {
    const out = new Map(this.body.parameters());
    if (this.pooling === 'last-token') for (const [n, t] of this.head.parameters()) out.set(`score.${n}`, t);
    return out;
  }

  /**
   * Scores of B rows of T tokens, (B, 1), on the tape. Row b's completion is positions
   * starts[b] .. lengths[b] − 1 (the 'log-likelihood' readout needs `starts`).
   */
  score(ids: Int32Array, T: number, lengths: readonly number[], starts?: readonly number[]): Tensor {
    const B = ids.length / T;
    if (this.pooling === 'last-token') {
      const h = this.body.hidden(ids, { T });
      const C = h.shape[h.shape.length - 1];
      const at = Int32Array.from(lengths, (len, b) => b * T + len - 1);
      const lastRows = embedding(Tensor.from(h.backend, at, [B]), reshape(h, [B * T, C])); // gather (B, C)
      return linear(lastRows, this.head.weight, this.head.bias);
    }
    if (!starts) throw new Error("RewardModel: the 'log-likelihood' readout needs where each completion starts");
    // Targets: each completion token, predicted from the position before it; the rest ignored.
    const targets = new Int32Array(B * T).fill(IGNORE_INDEX);
    // (B, B·T) weights −1/n on those positions: times the per-token nll (B·T, 1), each row's mean log p.
    const weights = new Float32Array(B * B * T);
    for (let b = 0; b < B; b++) {
      const n = lengths[b] - starts[b];
      if (!(n > 0 && starts[b] > 0)) throw new Error(`RewardModel: row ${b} has no completion tokens`);
      for (let t = starts[b] - 1; t < lengths[b] - 1; t++) {
        targets[b * T + t] = ids[b * T + t + 1];
        weights[b * B * T + b * T + t] = -1 / n;
      }
    }
    const { logits } = this.body.forward(ids, null, { T });
    const nll = tokenNll(logits, Tensor.from(logits.backend, targets, [B * T]));
    return linear(Tensor.from(logits.backend, weights, [B, B * T]), reshape(nll, [1, B * T]));
  }

  async save(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    const files = await this.body.save(dir);
    const head = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [n, t] of this.head.parameters())
      head.set(`score.${n}`, { shape: [...t.shape], data: (await t.toArray()) as Float32Array });
    await writeSafetensors(join(dir, HEAD_FILE), head, { format: 'kiln-reward-head', writer: REWARD_WRITER });
    await writeFileAtomic(
      join(dir, 'reward-model.json'),
      JSON.stringify(
        { format: 'kiln-reward-model', version: 1, writer: REWARD_WRITER, pooling: this.pooling },
        null,
        2,
      ) + '\n',
    );
    return [...files, HEAD_FILE, 'reward-model.json'];
  }

  /** Load the head written by save() onto a body loaded from the same directory. */
  static async load(body: HiddenStatesLM, dir: string, backend: Backend, rng: Rng): Promise<RewardModel> {
    const path = join(dir, HEAD_FILE);
    if (!existsSync(path))
      throw new Error(
        `${dir}: no ${HEAD_FILE}, so this is not a reward model (train one with align.trainer = 'reward-model')`,
      );
    const meta = JSON.parse(await readFile(join(dir, 'reward-model.json'), 'utf8')) as {
      format?: string;
      pooling?: string;
    };
    if (meta.format !== 'kiln-reward-model')
      throw new Error(
        `${dir}/reward-model.json: format is ${JSON.stringify(meta.format)}, expected "kiln-reward-model"`,
      );
    const pooling = meta.pooling ?? 'last-token';
    if (pooling !== 'last-token' && pooling !== 'log-likelihood')
      throw new Error(
        `${dir}/reward-model.json: pooling ${JSON.stringify(pooling)} is not 'last-token' or 'log-likelihood'`,
      );
    const rm = new RewardModel(body, backend, rng, pooling);
    const file = await readSafetensors(path);
    const state = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [n, t] of file.tensors)
      state.set(n.replace(/^score\./, ''), { shape: t.shape, data: t.data as Float32Array });
    rm.head.loadStateDict(state, path);
    return rm;
  }

  dispose(): void {
    this.body.dispose();
    this.head.dispose();
  }
}
