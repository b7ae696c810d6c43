import { createHash } from 'node:crypto';
import type { Tokenizer } from '@kiln/core';
import { byteLevelJson } from './byte-level-json.js';

export const EOS = '<|endoftext|>';
export const EOS_ID = 256;

/**
 * The fallback tokenizer: one token per UTF-8 byte (0..255) plus end-of-text
 * (256). Lossless for every script; used until a trained tokenizer exists.
 * Imports only types, so worker threads can load it without the rest of Kiln.
 */
export function byteTokenizer(): Tokenizer {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8', { fatal: false });
  return {
    type: 'kiln:bytes',
    vocabSize: 257,
    specialTokens: { [EOS]: 256 },
    eosId: 256,
    encode(text, options) {
      if (options?.allowSpecial && text.includes(EOS)) {
        const out: number[] = [];
        text.split(EOS).forEach((part, i) => {
          if (i > 0) out.push(256);
          for (const b of encoder.encode(part)) out.push(b);
        });
        return out;
      }
      return Array.from(encoder.encode(text));
    },
    decode(ids) {
      const bytes: number[] = [];
      let out = '';
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] === 256) {
          out += decoder.decode(new Uint8Array(bytes)) + EOS;
          bytes.length = 0;
        } else bytes.push(ids[i]);
      }
      return out + decoder.decode(new Uint8Array(bytes));
    },
    hash() {
      return createHash('sha256').update('kiln:bytes:v1').digest('hex').slice(0, 16);
    },
    // A tokenizer.json Hugging Face's libraries load and encode identically (byte-level-json.ts).
    toJSON() {
      return byteLevelJson(EOS, EOS_ID);
    },
  };
}
