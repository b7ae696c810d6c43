/** A Llama through the same commands as GPT-2: kiln generate (KV-cached engine) and kiln export (HF layout, GGUF). */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCaptured } from '@kiln/cli';
import { Llama } from '@kiln/llama';
import { createTextGenerator } from '@kiln/sampling';
import { createRng, noGrad, parseSafetensors, ReferenceBackend, tidy } from '@kiln/tensor';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const CONFIG = `import llama from '@kiln/llama';
import { huggingface, gguf } from '@kiln/export';

// Bytes as tokens, 256 = end of text.
const bytes = {
  type: 'test-bytes', vocabSize: 257, specialTokens: { '<|endoftext|>': 256 }, eosId: 256,
  encode: (t) => [...Buffer.from(t, 'utf8')],
  decode: (ids) => Buffer.from(Array.from(ids).filter((i) => i < 256)).toString('utf8'),
  hash: () => 'test-bytes', toJSON: () => ({ model: { type: 'test-bytes' } }),
};
const tokenizer = { name: 'test-bytes', async train() { return bytes; }, async load() { return bytes; } };

export default {
  name: 'tiny-llama',
  backend: 'js',
  plugins: [llama(), { name: 'test-bytes', tokenizer }, huggingface()],
  export: { model: 'model' },
};
`;

let cwd: string;
const decode = (ids: ArrayLike<number>) => Buffer.from(Array.from(ids).filter((i) => i < 256)).toString('utf8');

const kiln = (argv: string[]) => runCaptured(argv, { cwd });

beforeAll(async () => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  cwd = mkdtempSync(join(base, 'llama-commands-'));
  writeFileSync(join(cwd, 'llm.config.ts'), CONFIG);
  const model = new Llama(
    {
      vocabSize: 257,
      nPositions: 32,
      nLayer: 2,
      nEmbd: 32,
      nHead: 4,
      nKvHead: 2,
      intermediateSize: 48,
      initializerRange: 0.1,
    },
    new ReferenceBackend(),
    createRng(11),
  );
  await model.save(join(cwd, 'model'));
  mkdirSync(join(cwd, 'runs/tiny-llama/tokenizer'), { recursive: true });
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('Llama through the model commands', () => {
  test('kiln generate streams the text of an uncached run of the training forward, seeded', async () => {
    const a = await kiln(['generate', '--model', 'model', '-n', '12', '--seed', '5', '-t', '0.9', 'Hi']);
    expect(a.code, a.stderr).toBe(0);
    const model = await Llama.load(join(cwd, 'model'), new ReferenceBackend());
    // The reference reruns the whole context through Llama.forward (no cache, no engine).
    const uncached = {
      contextLength: 32,
      async nextLogits(tokens: readonly number[]) {
        const logits = noGrad(() =>
          tidy(() => model.forward(Int32Array.from(tokens), null, { T: tokens.length }).logits),
        );
        const all = (await logits.toArray()) as Float32Array;
        logits.dispose();
        return all.slice((tokens.length - 1) * 257);
      },
    };
    const gen = createTextGenerator({
      name: 'ref',
      model: uncached,
      tokenizer: { eosId: 256, encode: (t) => [...Buffer.from(t)], decode },
    });
    let want = '';
    for await (const c of gen.generate('Hi', { maxTokens: 12, seed: 5, temperature: 0.9 })) want += c.text;
    expect(a.stdout).toBe(`${want}\n`);
  });

  test("kiln export writes Hugging Face's LlamaForCausalLM layout: split q/k/v and gate/up, LlamaConfig fields", async () => {
    const r = await kiln(['export']);
    expect(r.code, r.stderr).toBe(0);
    // The exporter's folder under the run's export directory (found, not assumed: its nesting is the exporter's business).
    const found = readdirSync(join(cwd, 'runs/tiny-llama/export'), { recursive: true, encoding: 'utf8' }).find((f) =>
      f.endsWith('config.json'),
    );
    expect(found, 'no config.json exported').toBeDefined();
    const dir = join(cwd, 'runs/tiny-llama/export', dirname(found!));
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'llama',
      architectures: ['LlamaForCausalLM'],
      num_key_value_heads: 2,
      intermediate_size: 48,
      hidden_act: 'silu',
    });
    const st = parseSafetensors(readFileSync(join(dir, 'model.safetensors')), 'model.safetensors');
    expect(st.tensors.get('model.layers.1.self_attn.k_proj.weight')?.shape).toEqual([16, 32]);
    expect(st.tensors.get('model.layers.0.mlp.up_proj.weight')?.shape).toEqual([48, 32]);
    expect(st.tensors.has('lm_head.weight')).toBe(true);
    expect([...st.tensors.keys()].some((n) => n.includes('qkv_proj') || n.includes('gate_up'))).toBe(false);
    expect(existsSync(join(dir, 'tokenizer.json'))).toBe(true);
  });
});
