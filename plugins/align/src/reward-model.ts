import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Backend,
  embedding,
  type HiddenStatesLM,
  Linear,
  linear,
  type Rng,
  readSafetensors,
  reshape,
  Tensor,
  writeFileAtomic,
  writeSafetensors,
} from '@kiln/tensor';

export const HEAD_FILE = 'reward_head.safetensors';
export const REWARD_WRITER = 'kiln:align@0.1.0';

/**
 * A reward model: the transformer's hidden state at each sequence's LAST
 * token, through a linear head to one number (as TRL's
 * AutoModelForSequenceClassification with num_labels = 1).
 */
export class RewardModel {
  readonly head: Linear;

  constructor(
    readonly body: HiddenStatesLM,
    backend: Backend,
    rng: Rng,
  ) {
    const C = body.config?.nEmbd;
    if (!C) throw new Error('RewardModel: the model does not state its width (config.nEmbd)');
    this.head = new Linear(backend, C, 1, rng, { bias: true, std: 1 / Math.sqrt(C) });
  }

  parameters(): Map<string, Tensor> {
    const out = new Map(this.body.parameters());
    for (const [n, t] of this.head.parameters()) out.set(`score.${n}`, t);
    return out;
  }

  /** Scores of B rows of T tokens, taken at position lengths[b] − 1: (B, 1), on the tape. */
  score(ids: Int32Array, T: number, lengths: readonly number[]): Tensor {
    const h = this.body.hidden(ids, { T });
    const C = h.shape[h.shape.length - 1];
    const B = ids.length / T;
    const at = Int32Array.from(lengths, (len, b) => b * T + len - 1);
    const lastRows = embedding(Tensor.from(h.backend, at, [B]), reshape(h, [B * T, C])); // gather (B, C)
    return linear(lastRows, this.head.weight, this.head.bias);
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
        { format: 'kiln-reward-model', version: 1, writer: REWARD_WRITER, pooling: 'last-token' },
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
    const meta = JSON.parse(await readFile(join(dir, 'reward-model.json'), 'utf8')) as { format?: string };
    if (meta.format !== 'kiln-reward-model')
      throw new Error(
        `${dir}/reward-model.json: format is ${JSON.stringify(meta.format)}, expected "kiln-reward-model"`,
      );
    const rm = new RewardModel(body, backend, rng);
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
