// Writes data/*.jsonl for the finetune and align stages (deterministic: same seed, same files).
//   npx tsx make-data.ts
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toChat, toJsonl, toPreference, toPrompt } from '@kiln/tasks';
import { splits } from './tasks.ts';

const s = splits();
const dir = join(import.meta.dirname, 'data');
const write = (name: string, records: unknown[]) => {
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, toJsonl(records));
  renameSync(tmp, join(dir, name));
};
write('sft.jsonl', s.sft.map(toChat));
write('grpo.jsonl', s.grpo.map(toPrompt));
write('heldout.jsonl', s.heldOut.map(toPrompt));
write(
  'pairs.jsonl',
  s.pairs.map((t, i) => toPreference(t, i)),
);
console.log('wrote data/sft.jsonl, grpo.jsonl, heldout.jsonl, pairs.jsonl');
