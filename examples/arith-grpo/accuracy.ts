// Exact-match accuracy of model directories on the held-out problems (greedy decoding).
//   npx tsx accuracy.ts runs/arith/checkpoints/step-000300 runs/arith/finetune/step-000150 runs/arith/align/grpo
import { readFileSync } from 'node:fs';
import { GPT2 } from '@kiln/gpt2';
import { loadTokenizer } from '@kiln/tokenizers';
import { chatml } from '@kiln/finetune';
import { sampleCompletions } from '@kiln/align';
import { ReferenceBackend, createRng } from '@kiln/tensor';

const heldOut = readFileSync(new URL('./data/heldout.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { prompt: string; meta: { answer: string } });
const tokenizer = await loadTokenizer(new URL('./runs/arith/tokenizer', import.meta.url).pathname);
const stopIds = [tokenizer.specialTokens['<|im_end|>'], tokenizer.eosId];
const backend = new ReferenceBackend();
for (const dir of process.argv.slice(2)) {
  const model = await GPT2.load(dir, backend);
  let hits = 0;
  for (const r of heldOut) {
    const prompt = tokenizer.encode(chatml.prompt([{ role: 'user', content: r.prompt }]), { allowSpecial: true });
    const [ids] = await sampleCompletions(model, prompt, 1, { maxNewTokens: 6, temperature: 0, stopIds, rng: createRng(0) });
    const reply = tokenizer.decode(ids.filter((id) => !stopIds.includes(id)));
    if (reply.trim() === r.meta.answer) hits++;
  }
  console.log(`${dir}: exact match ${hits}/${heldOut.length} = ${((100 * hits) / heldOut.length).toFixed(1)}%`);
  model.dispose();
}
