/**
 * The model side of vocabulary extension, on a checkpoint directory in Hugging Face
 * layout (config.json + model.safetensors, as @kiln/gpt2 writes and reads them): every
 * embedding / output matrix with one row per old token grows to the extended vocabulary,
 * each new row the mean of its old pieces' rows (see growRows), and config.json's
 * vocab_size follows. The extended tokenizer.json is written beside them.
 */

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors, writeFileAtomic, writeSafetensors } from '@kiln/tensor';
import type { BpeTokenizer } from './bpe-tokenizer.js';
import { growRows, newTokenPieces } from './extend.js';

/** Hugging Face names of vocabulary-sized matrices (GPT-2, Llama, BERT). */
const VOCAB_MATRIX = /(^|\.)(wte|embed_tokens|word_embeddings|lm_head)\.weight$/;

export async function resizeCheckpointVocab(
  inDir: string,
  outDir: string,
  base: BpeTokenizer,
  extended: BpeTokenizer,
): Promise<{ vocabSize: number; grown: string[] }> {
  const configFile = join(inDir, 'config.json');
  const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
  const oldRows = config.vocab_size;
  if (oldRows !== base.vocabSize)
    throw new Error(
      `${configFile}: vocab_size is ${oldRows} but the base tokenizer has ${base.vocabSize} tokens: resize the checkpoint that was trained with that tokenizer`,
    );
  const weightsFile = join(inDir, 'model.safetensors');
  const file = await readSafetensors(weightsFile);
  const pieces = newTokenPieces(base, extended);
  const grown: string[] = [];
  const tensors = new Map<string, { shape: readonly number[]; data: Float32Array | Int32Array | Int8Array }>();
  for (const [name, t] of file.tensors) {
    if (VOCAB_MATRIX.test(name) && t.shape.length === 2 && t.shape[0] === oldRows) {
      if (!(t.data instanceof Float32Array))
        throw new Error(`${weightsFile}: ${name} is ${t.dtype}; only float matrices can be grown`);
      const dim = t.shape[1];
      tensors.set(name, {
        shape: [extended.vocabSize, dim],
        data: growRows(t.data, oldRows, dim, extended.vocabSize, pieces),
      });
      grown.push(name);
    } else {
      tensors.set(name, t);
    }
  }
  if (grown.length === 0)
    throw new Error(`${weightsFile}: no embedding matrix with ${oldRows} rows (looked for ${VOCAB_MATRIX})`);
  await mkdir(outDir, { recursive: true });
  await writeSafetensors(join(outDir, 'model.safetensors'), tensors, {
    ...file.metadata,
    kiln_tokenizer_hash: extended.hash(),
  });
  await writeFileAtomic(
    join(outDir, 'config.json'),
    JSON.stringify({ ...config, vocab_size: extended.vocabSize }, null, 2) + '\n',
  );
  await writeFileAtomic(join(outDir, 'tokenizer.json'), JSON.stringify(extended.toJSON()));
  return { vocabSize: extended.vocabSize, grown };
}
