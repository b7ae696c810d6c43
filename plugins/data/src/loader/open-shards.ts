import { closeSync, existsSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, type Rng, type TokenBatches } from '@kiln/core';
import { HEADER_BYTES, readHeader, type ShardHeader, type Split, tokenizerTag } from '../encode/shard-format.js';

export interface OpenShardsOptions {
  split?: Split;
  seed?: number;
  /**
   * 'random': each row is a window at a uniformly random position (seeded).
   * 'sequential': rows tile the shards in order, window after window; the shard order is reshuffled each epoch.
   */
  mode?: 'random' | 'sequential';
  /** The model's tokenizer hash: shards stamped with another tokenizer are refused. */
  tokenizerHash?: string;
}

interface Shard {
  file: string;
  header: ShardHeader;
  fd: number;
}

interface LoaderState {
  format: 'kiln-shard-loader';
  mode: 'random' | 'sequential';
  seed: number;
  split: Split;
  rng: number[];
  /** Sequential mode: position in the epoch's shard order and token offset in the current shard. */
  epoch: number;
  cursor: number;
  offset: number;
  batches: number;
}

/**
 * A seeded stream of (inputs, targets) batches over a split's token shards, read
 * with positioned reads (nothing is loaded whole). `state()` is a small JSON value
 * that `restore()` takes back to continue at the exact next batch.
 */
export class ShardBatches implements TokenBatches {
  readonly tokens: number;
  readonly shards: readonly Shard[];
  readonly tokenizerTag: string;
  private rng: Rng;
  private order: number[] = [];
  private st: LoaderState;
  private buf = Buffer.alloc(0);

  constructor(
    readonly dir: string,
    private readonly options: Required<Omit<OpenShardsOptions, 'tokenizerHash'>> & { tokenizerHash?: string },
  ) {
    const { split, seed, mode } = options;
    if (!existsSync(dir))
      throw new Error(`token shards: directory ${dir} does not exist; run the encode stage (kiln prepare) first`);
    const files = readdirSync(dir)
      .filter((f) => new RegExp(`^${split}_\\d+\\.bin$`).test(f))
      .sort();
    if (files.length === 0)
      throw new Error(`token shards: no ${split}_*.bin shard in ${dir}; run the encode stage (kiln prepare) first`);
    const shards = files.map((f) => ({ file: join(dir, f), header: readHeader(join(dir, f)), fd: -1 }));
    const tags = new Set(shards.map((s) => s.header.tokenizerTag));
    if (tags.size > 1)
      throw new Error(
        `token shards in ${dir} come from different tokenizers (${[...tags].join(', ')}); re-encode them`,
      );
    this.tokenizerTag = shards[0].header.tokenizerTag;
    if (options.tokenizerHash !== undefined && tokenizerTag(options.tokenizerHash) !== this.tokenizerTag) {
      throw new Error(
        `token shards in ${dir} were encoded with tokenizer ${this.tokenizerTag}, but the model uses ${tokenizerTag(options.tokenizerHash)}. ` +
          `Re-run the encode stage with the model's tokenizer (kiln prepare), or train with the tokenizer those shards were made with.`,
      );
    }
    this.shards = shards;
    this.tokens = shards.reduce((s, x) => s + x.header.tokens, 0);
    this.rng = createRng(seed);
    this.st = {
      format: 'kiln-shard-loader',
      mode,
      seed,
      split,
      rng: this.rng.state(),
      epoch: 0,
      cursor: 0,
      offset: 0,
      batches: 0,
    };
    if (mode === 'sequential') this.order = this.epochOrder(0);
  }

  next(B: number, T: number): { inputs: Int32Array; targets: Int32Array } {
    if (!(Number.isInteger(B) && B > 0 && Number.isInteger(T) && T > 0))
      throw new Error(`next(B, T): positive integers expected, got (${B}, ${T})`);
    const usable = this.shards.filter((s) => s.header.tokens >= T + 1);
    if (usable.length === 0)
      throw new Error(
        `token shards in ${this.dir}: no ${this.options.split} shard holds T+1 = ${T + 1} tokens; lower the context length or add data`,
      );
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    const row = new Int32Array(T + 1);
    for (let b = 0; b < B; b++) {
      const [shard, start] = this.options.mode === 'random' ? this.randomWindow(T) : this.sequentialWindow(T);
      this.read(shard, start, row);
      inputs.set(row.subarray(0, T), b * T);
      targets.set(row.subarray(1), b * T);
    }
    this.st.batches++;
    this.st.rng = this.rng.state();
    return { inputs, targets };
  }

  state(): LoaderState {
    return { ...this.st, rng: [...this.st.rng] };
  }

  restore(state: unknown): void {
    const s = state as LoaderState;
    if (s?.format !== 'kiln-shard-loader') throw new Error('restore: not a shard loader state');
    for (const k of ['mode', 'seed', 'split'] as const) {
      if (s[k] !== this.options[k])
        throw new Error(
          `restore: state has ${k} ${JSON.stringify(s[k])}, this loader has ${JSON.stringify(this.options[k])}`,
        );
    }
    // States saved before the loader shared the run's RNG hold its four state words without the seed in front.
    const rng = s.rng.length === 4 ? [s.seed >>> 0, ...s.rng] : s.rng;
    this.st = { ...s, rng: [...rng] };
    this.rng.restore(rng);
    if (s.mode === 'sequential') this.order = this.epochOrder(s.epoch);
  }

  /** Closes the shard files. */
  close(): void {
    for (const s of this.shards) if (s.fd >= 0) closeSync(s.fd), (s.fd = -1);
  }

  private randomWindow(T: number): [Shard, number] {
    // Pick a start uniformly over all windows of all shards.
    const windows = this.shards.map((s) => Math.max(0, s.header.tokens - T));
    let k = this.rng.int(windows.reduce((a, b) => a + b, 0));
    for (let i = 0; i < this.shards.length; i++) {
      if (k < windows[i]) return [this.shards[i], k];
      k -= windows[i];
    }
    throw new Error('unreachable');
  }

  private sequentialWindow(T: number): [Shard, number] {
    for (;;) {
      const shard = this.shards[this.order[this.st.cursor]];
      if (this.st.offset + T + 1 <= shard.header.tokens) {
        const start = this.st.offset;
        this.st.offset += T;
        return [shard, start];
      }
      this.st.offset = 0;
      if (++this.st.cursor === this.order.length) {
        this.st.cursor = 0;
        this.order = this.epochOrder(++this.st.epoch);
      }
    }
  }

  /** Shard order for an epoch: a seeded shuffle, a function of (seed, epoch) only. */
  private epochOrder(epoch: number): number[] {
    const order = this.shards.map((_, i) => i);
    const r = createRng((this.options.seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
    for (let i = order.length - 1; i > 0; i--) {
      const j = r.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }

  private read(shard: Shard, start: number, out: Int32Array): void {
    const width = shard.header.bytesPerToken;
    const bytes = out.length * width;
    if (this.buf.length < bytes) this.buf = Buffer.alloc(bytes);
    if (shard.fd < 0) shard.fd = openSync(shard.file, 'r');
    const n = readSync(shard.fd, this.buf, 0, bytes, HEADER_BYTES + start * width);
    if (n !== bytes)
      throw new Error(`${shard.file}: short read (${n} of ${bytes} bytes at token ${start}); the shard is truncated`);
    // Shards are little-endian, as is every platform Node runs on; Buffer.alloc is never pooled, so offset 0 is aligned.
    out.set(
      width === 2
        ? new Uint16Array(this.buf.buffer, this.buf.byteOffset, out.length)
        : new Uint32Array(this.buf.buffer, this.buf.byteOffset, out.length),
    );
  }
}

/** Opens a split of token shards for training (see ShardBatches). */
export function openShards(dir: string, options: OpenShardsOptions = {}): ShardBatches {
  const mode = options.mode ?? 'random';
  if (mode !== 'random' && mode !== 'sequential')
    throw new Error(`openShards: mode must be 'random' or 'sequential', got ${JSON.stringify(mode)}`);
  return new ShardBatches(dir, {
    split: options.split ?? 'train',
    seed: options.seed ?? 0,
    mode,
    tokenizerHash: options.tokenizerHash,
  });
}
