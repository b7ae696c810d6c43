/**
 * The Hugging Face directory layout: model.safetensors, config.json, tokenizer.json,
 * tokenizer_config.json, special_tokens_map.json and generation_config.json, each written atomically, so
 * `AutoModelForCausalLM.from_pretrained(dir)` and `AutoTokenizer` load it. Takes
 * files and plain objects, not a model class: any architecture's checkpoint fits.
 */
import { copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '@kiln/tensor';
import { tempName } from './leftovers.js';

export interface HuggingFaceExportInput {
  /** model.safetensors: a path to copy, or its bytes. */
  weights: string | Uint8Array;
  /** config.json content (must name model_type). */
  config: Record<string, unknown>;
  /** tokenizer.json: a path to copy, or its content. */
  tokenizer: string | Record<string, unknown>;
  /** generation_config.json content; default: bos/eos ids from config plus these sampling settings. */
  generationConfig?: Record<string, unknown>;
  /**
   * tokenizer_config.json content; default: PreTrainedTokenizerFast with the context length, the special
   * tokens and clean_up_tokenization_spaces off (Kiln's tokenizers decode losslessly; Hugging Face's
   * clean-up would turn `a != b` into `a!= b`).
   */
  tokenizerConfig?: Record<string, unknown>;
  /** tokenizer_config.json's chat_template (Jinja), when the model was tuned for chat. */
  chatTemplate?: string;
  /** More files (README.md, a model card), by name. */
  extraFiles?: Record<string, string | Uint8Array>;
}

const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

/** Checks the safetensors header (8-byte length + JSON) so a wrong file fails here, not in Python. */
async function checkSafetensors(source: string | Uint8Array): Promise<void> {
  const where = typeof source === 'string' ? source : 'weights';
  let head: Uint8Array;
  let size: number;
  if (typeof source === 'string') {
    const fh = await open(source, 'r').catch((e) => {
      throw new Error(`Hugging Face export: cannot open weights ${source}: ${(e as Error).message}`);
    });
    try {
      size = (await fh.stat()).size;
      const lenBuf = Buffer.alloc(8);
      await fh.read(lenBuf, 0, 8, 0);
      const n = Number(lenBuf.readBigUInt64LE(0));
      if (n <= 0 || n > 100_000_000 || 8 + n > size)
        throw new Error(`Hugging Face export: ${where} is not a safetensors file (bad header length)`);
      head = Buffer.alloc(n);
      await fh.read(head, 0, n, 8);
    } finally {
      await fh.close();
    }
  } else {
    size = source.length;
    const n = source.length >= 8 ? Number(Buffer.from(source.buffer, source.byteOffset, 8).readBigUInt64LE(0)) : -1;
    if (n <= 0 || 8 + n > size)
      throw new Error(`Hugging Face export: ${where} is not a safetensors file (bad header length)`);
    head = source.subarray(8, 8 + n);
  }
  try {
    const header = JSON.parse(new TextDecoder().decode(head));
    if (typeof header !== 'object' || header === null || Array.isArray(header))
      throw new Error('header is not an object');
  } catch (e) {
    throw new Error(`Hugging Face export: ${where} is not a safetensors file (${(e as Error).message})`);
  }
}

async function copyAtomic(from: string, to: string): Promise<void> {
  const tmp = join(to, '..', tempName(basename(to)));
  try {
    await copyFile(from, tmp);
    await rename(tmp, to);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Writes the directory; returns the file names written. */
export async function exportHuggingFace(outDir: string, input: HuggingFaceExportInput): Promise<string[]> {
  if (typeof input.config?.model_type !== 'string')
    throw new Error('Hugging Face export: config.model_type must be a string (e.g. "gpt2")');
  await checkSafetensors(input.weights);
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const put = async (name: string, data: string | Uint8Array) => {
    await writeFileAtomic(join(outDir, name), data);
    written.push(name);
  };

  if (typeof input.weights === 'string') {
    await copyAtomic(input.weights, join(outDir, 'model.safetensors'));
    written.push('model.safetensors');
  } else await put('model.safetensors', input.weights);
  await put('config.json', json(input.config));

  let tokenizer: Record<string, unknown>;
  if (typeof input.tokenizer === 'string') {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(input.tokenizer, 'utf8');
    try {
      tokenizer = JSON.parse(text);
    } catch (e) {
      throw new Error(`Hugging Face export: ${input.tokenizer} is not JSON: ${(e as Error).message}`);
    }
  } else tokenizer = input.tokenizer;
  if (typeof tokenizer.model !== 'object')
    throw new Error('Hugging Face export: tokenizer.json has no "model" section');
  await put('tokenizer.json', json(tokenizer));

  const c = input.config;
  const added = (tokenizer.added_tokens as Array<{ id: number; content: string }> | undefined) ?? [];
  const tokenText = (id: unknown) => added.find((t) => t.id === id)?.content;
  const specialTokens = {
    ...(tokenText(c.bos_token_id) ? { bos_token: tokenText(c.bos_token_id) } : {}),
    ...(tokenText(c.eos_token_id) ? { eos_token: tokenText(c.eos_token_id) } : {}),
    ...(tokenText(c.pad_token_id) ? { pad_token: tokenText(c.pad_token_id) } : {}),
  };
  await put(
    'tokenizer_config.json',
    json(
      input.tokenizerConfig ?? {
        tokenizer_class: 'PreTrainedTokenizerFast',
        model_max_length: c.n_positions ?? c.max_position_embeddings ?? c.n_ctx,
        clean_up_tokenization_spaces: false,
        ...specialTokens,
        ...(input.chatTemplate !== undefined && { chat_template: input.chatTemplate }),
      },
    ),
  );
  // What save_pretrained writes beside it; older loaders read the special tokens from here.
  await put('special_tokens_map.json', json(specialTokens));
  const generation: Record<string, unknown> = { _from_model_config: true };
  if (c.bos_token_id !== undefined) generation.bos_token_id = c.bos_token_id;
  if (c.eos_token_id !== undefined) generation.eos_token_id = c.eos_token_id;
  if (c.pad_token_id !== undefined) generation.pad_token_id = c.pad_token_id;
  await put('generation_config.json', json({ ...generation, ...input.generationConfig }));

  for (const [name, data] of Object.entries(input.extraFiles ?? {})) {
    if (basename(name) !== name)
      throw new Error(`Hugging Face export: extra file name '${name}' must not contain a directory`);
    await put(name, data);
  }
  return written;
}
