import { describe, expect, it } from 'vitest';
import { ContextLengthError, createTextGenerator, type GenerationChunk, type NextTokenModel } from '../src/index.js';

// Byte-level tokenizer (ids 0..255) with 256 as end-of-text.
const tokenizer = {
  eosId: 256,
  encode: (t: string) => Array.from(new TextEncoder().encode(t)),
  decode: (ids: ArrayLike<number>) => new TextDecoder().decode(Uint8Array.from(Array.from(ids).filter((i) => i < 256))),
};

/** Strongly prefers to continue `script` after the prompt, then end-of-text. */
function scripted(script: string, contextLength = 256): NextTokenModel & { calls: number } {
  const target = [...tokenizer.encode(script), 256];
  const model = {
    contextLength,
    calls: 0,
    promptLength: -1,
    nextLogits(tokens: readonly number[]) {
      model.calls++;
      if (model.promptLength < 0) model.promptLength = tokens.length;
      const logits = new Float32Array(257).fill(-5);
      for (let i = 0; i < 257; i++) logits[i] += ((i * 2654435761) % 97) / 97; // noise for sampled runs
      logits[target[Math.min(tokens.length - model.promptLength, target.length - 1)]] = 10;
      return logits;
    },
  };
  return model;
}

async function collect(it: AsyncIterable<GenerationChunk>): Promise<GenerationChunk[]> {
  const out: GenerationChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}
const text = (chunks: GenerationChunk[]) => chunks.map((c) => c.text).join('');

describe('createTextGenerator', () => {
  it('generates greedily until end-of-text', async () => {
    const g = createTextGenerator({ name: 'fake', model: scripted('héllo wörld'), tokenizer });
    const chunks = await collect(g.generate('Say: ', { temperature: 0 }));
    expect(text(chunks)).toBe('héllo wörld');
    expect(chunks.at(-1)).toMatchObject({ finishReason: 'stop', tokenId: 256 });
    expect(g.info).toEqual({ model: 'fake', contextLength: 256 });
    expect(g.countTokens?.('abc')).toBe(3);
  });

  it('ends with length after maxTokens', async () => {
    const g = createTextGenerator({ name: 'fake', model: scripted('abcdefgh'), tokenizer });
    const chunks = await collect(g.generate('x', { temperature: 0, maxTokens: 3 }));
    expect(text(chunks)).toBe('abc');
    expect(chunks.filter((c) => c.tokenId >= 0)).toHaveLength(3);
    expect(chunks.at(-1)?.finishReason).toBe('length');
  });

  it('cuts before a stop sequence and never streams part of it', async () => {
    const g = createTextGenerator({ name: 'fake', model: scripted('one two\n\nthree'), tokenizer });
    const chunks = await collect(g.generate('x', { temperature: 0, stop: ['\n\n'] }));
    expect(text(chunks)).toBe('one two');
    expect(chunks.some((c) => c.text.includes('\n'))).toBe(false);
    expect(chunks.at(-1)?.finishReason).toBe('stop');
  });

  it('stops when the context is full', async () => {
    const g = createTextGenerator({ name: 'fake', model: scripted('abcdefgh', 5), tokenizer });
    const chunks = await collect(g.generate('xy', { temperature: 0, maxTokens: 100 }));
    expect(text(chunks)).toBe('abc');
    expect(chunks.at(-1)?.finishReason).toBe('length');
    expect(() => g.generate('toolong', {})).toThrow(ContextLengthError);
  });

  it('repeats exactly for the same seed when sampling', async () => {
    const g = createTextGenerator({ name: 'fake', model: scripted('zz'), tokenizer });
    const noisy = { temperature: 3, maxTokens: 20, seed: 42 } as const;
    const a = (await collect(g.generate('x', noisy))).map((c) => c.tokenId);
    const b = (await collect(g.generate('x', noisy))).map((c) => c.tokenId);
    const c = (await collect(g.generate('x', { ...noisy, seed: 43 }))).map((c) => c.tokenId);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('honours an abort signal', async () => {
    const g = createTextGenerator({ name: 'fake', model: scripted('abcdefgh'), tokenizer });
    const ac = new AbortController();
    const seen: string[] = [];
    await expect(async () => {
      for await (const c of g.generate('x', { temperature: 0, signal: ac.signal })) {
        seen.push(c.text);
        ac.abort();
      }
    }).rejects.toThrow(/abort/i);
    expect(seen).toEqual(['a']);
  });
});
