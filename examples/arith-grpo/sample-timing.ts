// What one GRPO step's sampling costs: 16 prompts × 8 completions (temperature 1) with the
// KV-cached engine and with the whole prefix recomputed per token, three rounds each (WASM, 2 threads).
//   npx tsx sample-timing.ts runs/arith/align/grpo
import { readFileSync } from 'node:fs';
import { sampleCompletions } from '@kiln/align';
import { WasmBackend } from '@kiln/backend-wasm';
import { chatml } from '@kiln/finetune';
import { GPT2, Gpt2Engine } from '@kiln/gpt2';
import { createRng } from '@kiln/tensor';
import { loadTokenizer } from '@kiln/tokenizers';

const be = await WasmBackend.create({ threads: 2 });
const recs = readFileSync('data/grpo.jsonl', 'utf8')
  .trim()
  .split('\n')
  .slice(0, 16)
  .map((l) => JSON.parse(l));
const tok = (await loadTokenizer('runs/arith/tokenizer'))!;
const stopIds = [tok.specialTokens['<|im_end|>'], tok.eosId];
const model = await GPT2.load(process.argv[2] ?? 'runs/arith/align/grpo', be);
const engine = Gpt2Engine.fromGpt2(model);
for (const round of [0, 1, 2])
  for (const cache of [true, false]) {
    const rng = createRng(1);
    const t0 = performance.now();
    let toks = 0;
    for (const r of recs) {
      const p = tok.encode(chatml.prompt([{ role: 'user', content: r.prompt }]), { allowSpecial: true });
      for (const c of await sampleCompletions(model, p, 8, {
        maxNewTokens: 6,
        temperature: 1,
        stopIds,
        rng,
        engine,
        cache,
      }))
        toks += c.length;
    }
    console.log(
      `round ${round} cache=${cache}: ${(performance.now() - t0).toFixed(0)} ms for 128 completions (${toks} tokens)`,
    );
  }
process.exit(0);
