import { setTimeout as sleep } from 'node:timers/promises';
import {
  ContextLengthError,
  type GenerateOptions,
  type GenerationChunk,
  type Prompt,
  promptText,
  StopSequenceMatcher,
  type TextGenerator,
} from '@kiln/sampling';

/**
 * A deterministic stand-in for a model, for the server tests only: it answers
 * "echo: <last line of the prompt>" one character (token) at a time.
 */
export function fakeGenerator(
  opts: { delayMs?: number; contextLength?: number; failAt?: number } = {},
): TextGenerator & { aborted: number } {
  const contextLength = opts.contextLength ?? 200;
  const fake = {
    aborted: 0,
    info: { model: 'kiln-fake', contextLength },
    countTokens: (p: Prompt) => promptText(p).length,
    generate(p: Prompt, o: GenerateOptions = {}): AsyncIterable<GenerationChunk> {
      const prompt = promptText(p);
      if (prompt.length >= contextLength) throw new ContextLengthError(prompt.length, contextLength);
      const lastLine = prompt.trimEnd().split('\n').filter(Boolean).at(-1) ?? '';
      const reply = `echo: ${lastLine}<|im_end|>`;
      return (async function* () {
        const stops = new StopSequenceMatcher(o.stop ?? []);
        const max = o.maxTokens ?? 16;
        for (let i = 0; i < reply.length; i++) {
          if (i >= max) {
            yield { text: stops.flush(), tokenId: -1, finishReason: 'length' };
            return;
          }
          if (opts.delayMs) await sleep(opts.delayMs);
          if (o.signal?.aborted) {
            fake.aborted++;
            throw o.signal.reason;
          }
          if (i === opts.failAt) throw new Error('model exploded');
          const r = stops.push(reply[i]);
          if (r.stopped) return yield { text: r.text, tokenId: reply.charCodeAt(i), finishReason: 'stop' };
          yield { text: r.text, tokenId: reply.charCodeAt(i) };
        }
        yield { text: stops.flush(), tokenId: -1, finishReason: 'stop' };
      })();
    },
  };
  return fake;
}
