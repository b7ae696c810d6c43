/**
 * One training run in its own process, so peak memory (maxRSS) is the trainer's own.
 * Args: <kiln|native|baseline> <corpus file> <pattern gpt2|cjk> <vocab size>
 * 'baseline' loads the same modules and trains nothing: the process's own footprint.
 * Prints one JSON line: seconds, maxRssMB, vocabSize.
 */
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { trainBpe } from '../src/bpe-trainer.js';
import { PATTERNS } from '../src/pretokenize.js';

const [which, file, pattern, vocab] = process.argv.slice(2);
const vocabSize = Number(vocab);
const start = performance.now();
let size: number;
if (which === 'native') {
  const t = createRequire(import.meta.url)('tokenizers') as typeof import('tokenizers');
  // The Node binding trains only with its defaults (vocabulary 30000, no minimum frequency, no
  // special tokens), and its splitPreTokenizer() takes a literal string, so the regex Split for
  // the 'cjk' row comes in through tokenizer.json.
  const byteLevel = (useRegex: boolean) => ({
    type: 'ByteLevel',
    add_prefix_space: false,
    trim_offsets: true,
    use_regex: useRegex,
  });
  const preTokenizer =
    pattern === 'gpt2'
      ? byteLevel(true)
      : {
          type: 'Sequence',
          pretokenizers: [
            { type: 'Split', pattern: { Regex: PATTERNS.cjk }, behavior: 'Isolated', invert: false },
            byteLevel(false),
          ],
        };
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: preTokenizer,
    post_processor: null,
    decoder: null,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: {},
      merges: [],
    },
  };
  const tok = t.Tokenizer.fromString(JSON.stringify(json));
  tok.train([file]);
  size = tok.getVocabSize();
} else if (which === 'kiln') {
  // Streamed line by line (one document per line), as the tokenizer stage streams documents.
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  const tok = await trainBpe(lines, { vocabSize, minFrequency: 1, specialTokens: [], pattern });
  size = tok.vocabSize;
} else {
  createRequire(import.meta.url)('tokenizers');
  size = 0;
}
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ seconds, maxRssMB: process.resourceUsage().maxRSS / 1024, vocabSize: size }));
