/**
 * Every rank starts from rank 0: rank 0 alone reads the run directory (the
 * checkpoint it resumes, or nothing), then its weights, optimizer moments,
 * data position, RNG and step go to the others. So the ranks hold identical
 * weights from the first step, and no rank needs the run directory shared.
 */
import { createHash } from 'node:crypto';
import type { TokenBatches } from '@kiln/core';
import {
  type AdamWState,
  type Backend,
  broadcastJson,
  type Collective,
  type Rng,
  ranksThatDiffer,
  type Tensor,
} from '@kiln/tensor';
import { HostIO } from './host-io.js';
import type { Optimizer } from './replicas.js';

export interface StartPoint {
  step: number;
  tokens: number;
}

interface Announcement extends StartPoint {
  rng: number[];
  data: unknown;
  /** The resumed optimizer's step, when rank 0 resumed one (its moments follow). */
  optimizerStep?: number;
}

/** Names and shapes of the parameters: ranks must build the same model before anything moves. */
function structure(named: Map<string, Tensor>): string {
  return JSON.stringify([...named].map(([name, t]) => [name, t.shape]));
}

/** What the data says of itself, paths aside (they may differ between machines): ranks must read the same data. */
function dataSignature(facts: Record<string, unknown>): string {
  const { text: _text, shards: _shards, ...rest } = facts;
  return JSON.stringify(rest, Object.keys(rest).sort());
}

/** One tensor's elements from rank 0 to every rank, in place where the backend allows. */
async function broadcastTensor(c: Collective, io: HostIO, t: Tensor): Promise<void> {
  const live = io.view(t, 0, t.size);
  if (live) return c.broadcast(live, 0);
  const host = new Float32Array(t.size);
  if (c.rank === 0) await io.read(t, 0, host);
  c.broadcast(host, 0);
  if (c.rank !== 0) io.write(t, 0, host);
}

/**
 * Rank 0's state to every rank. Rank 0 passes what it loaded (`optimizerState` when it
 * resumed); the others pass their fresh model and optimizer. Returns rank 0's step and tokens.
 */
export async function startTogether(
  c: Collective,
  backend: Backend,
  o: StartPoint & {
    named: Map<string, Tensor>;
    optimizer: Optimizer;
    data: TokenBatches;
    /** The data's description (token counts, tokenizer, whether there is a validation split). */
    dataFacts?: Record<string, unknown>;
    rng: Rng;
    optimizerState?: AdamWState;
    /** Where the optimizer state came from, for messages. */
    source?: string;
  },
): Promise<StartPoint> {
  const leads = c.rank === 0;
  if (c.size === 1) {
    if (o.optimizerState) o.optimizer.loadState(o.optimizerState, o.source);
    return { step: o.step, tokens: o.tokens };
  }
  const differ = ranksThatDiffer(c, structure(o.named));
  if (differ.length > 0)
    throw new Error(
      `kiln:trainer: rank ${differ.join(', ')} built another model than rank 0 (parameter names or shapes differ); every rank must load the same model`,
    );
  const otherData = ranksThatDiffer(c, dataSignature(o.dataFacts ?? {}));
  if (otherData.length > 0)
    throw new Error(
      `kiln:trainer: rank ${otherData.join(', ')} reads other data than rank 0 (here: ${dataSignature(o.dataFacts ?? {})}): give every machine the same shards (or text file)`,
    );
  const said = broadcastJson<Announcement | undefined>(
    c,
    leads
      ? {
          step: o.step,
          tokens: o.tokens,
          rng: o.rng.state(),
          data: o.data.state(),
          ...(o.optimizerState && { optimizerStep: o.optimizerState.step }),
        }
      : undefined,
  ) as Announcement;
  if (!leads) {
    o.rng.restore(said.rng);
    o.data.restore(said.data);
  }
  const io = new HostIO(backend);
  for (const t of o.named.values()) await broadcastTensor(c, io, t);
  if (said.optimizerStep !== undefined) {
    const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
    for (const [name, t] of o.named) {
      const whole = leads ? o.optimizerState?.moments.get(name) : undefined;
      const m = whole?.m ?? new Float32Array(t.size);
      const v = whole?.v ?? new Float32Array(t.size);
      if (m.length !== t.size || v.length !== t.size)
        throw new Error(`${o.source}: the moments of '${name}' do not match its size ${t.size}`);
      c.broadcast(m, 0);
      c.broadcast(v, 0);
      moments.set(name, { m, v });
    }
    o.optimizer.loadState({ step: said.optimizerStep, moments }, o.source ?? 'rank 0');
  }
  return { step: said.step, tokens: said.tokens };
}

/**
 * After training: the sha256 of every weight's bytes, compared across ranks.
 * Returns it (hex) when every rank holds the same weights; throws otherwise.
 */
export async function sameWeights(c: Collective, backend: Backend, named: Map<string, Tensor>): Promise<string> {
  const hash = createHash('sha256');
  const io = new HostIO(backend);
  for (const t of named.values()) {
    const host = new Float32Array(t.size);
    await io.read(t, 0, host);
    hash.update(new Uint8Array(host.buffer, host.byteOffset, host.byteLength));
  }
  const digest = hash.digest('hex');
  const differ = ranksThatDiffer(c, digest);
  if (differ.length > 0)
    throw new Error(
      `kiln:trainer: the weights of rank ${differ.join(', ')} differ from rank 0's after training (a collective returned different sums on different ranks)`,
    );
  return digest;
}
