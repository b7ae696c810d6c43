import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenizerProvider } from '@kiln/core';
import { isByteLevelJson } from './byte-level-json.js';
import { byteTokenizer, EOS, EOS_ID } from './byte-tokenizer.js';

/**
 * A tokenizer provider for the byte-level fallback (`tokenizer: { type: 'bytes' }`):
 * nothing to train, so `kiln prepare` runs end to end before a BPE exists.
 */
export function byteLevelProvider(): TokenizerProvider {
  return {
    name: 'bytes',
    // 256 bytes and the end-of-text token, whatever the data.
    vocabSize: () => byteTokenizer().vocabSize,
    async train(_docs, options) {
      const keys = Object.keys(options);
      if (keys.length) throw new Error(`tokenizer.${keys[0]}: the 'bytes' tokenizer takes no options`);
      return byteTokenizer();
    },
    async load(dir) {
      const file = join(dir, 'tokenizer.json');
      if (!existsSync(file)) return undefined;
      return isByteLevelJson(JSON.parse(readFileSync(file, 'utf8')), EOS, EOS_ID) ? byteTokenizer() : undefined;
    },
  };
}
