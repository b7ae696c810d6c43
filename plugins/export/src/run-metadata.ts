/**
 * What an export takes from the run rather than from the model's own config:
 * the special-token ids of the tokenizer actually used (Kiln's tokenizers put
 * special tokens at 0..n, GPT-2's at 50256; an architecture's default, such as
 * vocabSize − 1, is only a guess), and the chat template the model was tuned with.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The run directory, as much of it as an export reads (core's RunDir fits). */
export interface RunFiles {
  readJson<T = unknown>(relPath: string): Promise<T | undefined>;
  path(...parts: string[]): string;
}

/** A tokenizer's special tokens (core's Tokenizer fits). */
export interface SpecialTokens {
  readonly eosId: number;
  readonly specialTokens: Readonly<Record<string, number>>;
}

const BOS = ['<|begin_of_text|>', '<s>', '<bos>', '[CLS]'];
const PAD = ['<pad>', '[PAD]', '<|pad|>'];

/** bos/eos/pad ids for config.json and generation_config.json: bos falls back to eos (GPT-2's convention). */
export function tokenizerIds(tokenizer: SpecialTokens): {
  bos_token_id: number;
  eos_token_id: number;
  pad_token_id?: number;
} {
  const find = (names: readonly string[]) =>
    names.map((n) => tokenizer.specialTokens[n]).find((id) => id !== undefined);
  const pad = find(PAD);
  return {
    bos_token_id: find(BOS) ?? tokenizer.eosId,
    eos_token_id: tokenizer.eosId,
    ...(pad !== undefined && { pad_token_id: pad }),
  };
}

interface RunState {
  modelDir?: string;
  stages?: Partial<Record<string, { modelDir?: string }>>;
}

/**
 * tokenizer_config.json's chat_template of the run's chat model: the latest model's, else
 * the align or finetune stage's (a compressed model directory carries no chat files).
 */
export async function runChatTemplate(runDir: RunFiles): Promise<string | undefined> {
  const state = await runDir.readJson<RunState>('state.json');
  const dirs = [state?.modelDir, state?.stages?.align?.modelDir, state?.stages?.finetune?.modelDir].filter(
    (d): d is string => d !== undefined,
  );
  for (const dir of dirs) {
    const text = await readFile(join(runDir.path(dir), 'tokenizer_config.json'), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const template = (JSON.parse(text) as { chat_template?: unknown }).chat_template;
    if (typeof template === 'string') return template;
  }
  return undefined;
}
