/** The model commands on a BERT model: kiln generate and kiln serve refuse it, naming the architecture, before serving anything. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCaptured } from '@kiln/cli';
import { ReferenceBackend } from '@kiln/tensor';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tinyModel } from './setup.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const CONFIG = `import bert from '@kiln/bert';

// Characters as tokens, 61 = [MASK], 63 = end of text.
const chars = {
  type: 'test-chars', vocabSize: 64, specialTokens: { '[MASK]': 61, '<|endoftext|>': 63 }, eosId: 63,
  encode: (t) => [...t].map((c) => c.charCodeAt(0) % 61),
  decode: (ids) => Array.from(ids, (i) => String.fromCharCode(0x41 + i)).join(''),
  hash: () => 'test-chars', toJSON: () => ({ model: { type: 'test-chars' } }),
};
const tokenizer = { name: 'test-chars', async train() { return chars; }, async load() { return chars; } };

export default { name: 'tiny-bert', backend: 'js', plugins: [bert(), { name: 'test-chars', tokenizer }] };
`;

let cwd: string;

const kiln = (argv: string[]) => runCaptured(argv, { cwd });

beforeAll(async () => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  cwd = mkdtempSync(join(base, 'bert-commands-'));
  writeFileSync(join(cwd, 'llm.config.ts'), CONFIG);
  await tinyModel('bert', new ReferenceBackend()).save(join(cwd, 'model'));
  mkdirSync(join(cwd, 'runs/tiny-bert/tokenizer'), { recursive: true });
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('BERT through the model commands', () => {
  test.each(['generate', 'serve'])(
    'kiln %s refuses a masked LM with the architecture named, and serves nothing',
    async (command) => {
      const r = await kiln(
        command === 'generate' ? ['generate', '--model', 'model', 'AB'] : ['serve', '--model', 'model', '--port', '0'],
      );
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`kiln ${command}: architecture 'bert' is a masked language model`);
      expect(r.stdout).toBe('');
    },
  );
});
