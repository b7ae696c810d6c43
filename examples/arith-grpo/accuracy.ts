// Exact-match accuracy of model directories on the held-out problems (greedy decoding), with
// its standard error, and for each model after the first the paired change against the one
// before it on the same problems (problems gained, lost, and the standard error of the change).
//   npx tsx accuracy.ts runs/arith/checkpoints/step-001600 runs/arith/finetune/step-000300 runs/arith/align/grpo
import { readFileSync } from 'node:fs';
import { sampleCompletions } from '@kiln/align';
import { chatml } from '@kiln/finetune';
import { GPT2, Gpt2Engine } from '@kiln/gpt2';
import { createRng, ReferenceBackend } from '@kiln/tensor';
import { loadTokenizer } from '@kiln/tokenizers';

const heldOut = readFileSync(new URL('./data/heldout.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { prompt: string; meta: { answer: string } });
const tokenizer = await loadTokenizer(new URL('./runs/arith/tokenizer', import.meta.url).pathname);
if (!tokenizer) throw new Error('no tokenizer in runs/arith/tokenizer: run `npx kiln prepare` first');
const plain = process.argv.includes('--plain');
const stopIds = plain
  ? [...tokenizer.encode('\n'), tokenizer.eosId]
  : [tokenizer.specialTokens['<|im_end|>'], tokenizer.eosId];
const encode = (q: string) =>
  plain
    ? tokenizer.encode(`${q}=`)
    : tokenizer.encode(chatml.prompt([{ role: 'user', content: q }]), { allowSpecial: true });
const backend = new ReferenceBackend();
const n = heldOut.length;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
let previous: boolean[] | null = null;
for (const dir of process.argv.slice(2).filter((a) => a !== '--plain')) {
  const model = await GPT2.load(dir, backend);
  const engine = Gpt2Engine.fromGpt2(model);
  const right: boolean[] = [];
  for (const r of heldOut) {
    const [ids] = await sampleCompletions(model, encode(r.prompt), 1, {
      maxNewTokens: 6,
      temperature: 0,
      stopIds,
      rng: createRng(0),
      engine,
    });
    right.push(tokenizer.decode(ids.filter((id) => !stopIds.includes(id))).trim() === r.meta.answer);
  }
  model.dispose();
  const hits = right.filter(Boolean).length;
  const p = hits / n;
  let line = `${dir}: exact match ${hits}/${n} = ${pct(p)} ± ${pct(Math.sqrt((p * (1 - p)) / n))}`;
  if (previous) {
    const gained = right.filter((x, i) => x && !previous![i]).length;
    const lost = right.filter((x, i) => !x && previous![i]).length;
    line += `; vs previous: +${gained} −${lost} problems, change ${pct((gained - lost) / n)} ± ${pct(Math.sqrt(gained + lost - (gained - lost) ** 2 / n) / n)} (paired)`;
  }
  console.log(line);
  previous = right;
}
