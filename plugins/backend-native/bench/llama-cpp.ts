/**
 * The llama.cpp contender: node-llama-cpp (pinned 3.21.1, its prebuilt CPU binary;
 * nothing is downloaded or built at run time) on the same weights as GGUF.
 * Greedy decoding of token ids, as Kiln's side does: the prompt is evaluated,
 * then each generated token is fed back.
 */
import { getLlama, type Llama, type LlamaModel } from 'node-llama-cpp';

export interface DecodeTiming {
  /** Prompt tokens per second: the prompt's evaluation up to its first generated token. */
  promptTokensPerS: number;
  /** Generated tokens per second after the first. */
  decodeTokensPerS: number;
  tokens: number[];
}

let llama: Llama | undefined;

/** llama.cpp's CPU build, or why it cannot be had here. */
export async function loadLlama(): Promise<Llama | string> {
  try {
    llama ??= await getLlama({
      gpu: false,
      build: 'never',
      skipDownload: true,
      logLevel: 'error' as never,
      progressLogs: false,
    });
    return llama;
  } catch (err) {
    return `node-llama-cpp cannot load its prebuilt binary: ${(err as Error).message.split('\n')[0]}`;
  }
}

export async function loadGguf(l: Llama, path: string): Promise<LlamaModel> {
  return l.loadModel({ modelPath: path, gpuLayers: 0 });
}

export async function llamaDecode(
  model: LlamaModel,
  prompt: number[],
  newTokens: number,
  threads: number,
): Promise<DecodeTiming> {
  const context = await model.createContext({
    contextSize: prompt.length + newTokens + 16,
    threads: { ideal: threads, min: threads },
    sequences: 1,
  });
  try {
    const sequence = context.getSequence();
    const tokens: number[] = [];
    const t0 = performance.now();
    let tFirst = 0;
    for await (const token of sequence.evaluate(prompt as never, { temperature: 0 })) {
      tokens.push(token as number);
      if (tokens.length === 1) tFirst = performance.now();
      if (tokens.length >= newTokens) break;
    }
    const tEnd = performance.now();
    return {
      promptTokensPerS: (prompt.length / (tFirst - t0)) * 1000,
      decodeTokensPerS: ((tokens.length - 1) / (tEnd - tFirst)) * 1000,
      tokens,
    };
  } finally {
    await context.dispose();
  }
}
