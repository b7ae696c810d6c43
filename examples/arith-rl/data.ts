// The finetune, align and eval stages' data files, written from the task's splits (task.ts):
// deterministic, so the files are not kept in git; `npm run data` and the sweep write them, and
// a file is rewritten only when its content differs (a rerun changes nothing).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toChat, toJsonl, toPreference, toPrompt } from '@kiln/tasks';
import { writeFileAtomicSync } from '@kiln/tensor';
import { splits } from './task.ts';

export const DATA_DIR = join(import.meta.dirname, 'data');

/** Writes data/sft.jsonl, grpo.jsonl, pairs.jsonl and heldout.jsonl; returns the names it (re)wrote. */
export function writeTaskData(): string[] {
  const s = splits();
  mkdirSync(DATA_DIR, { recursive: true });
  const files: Record<string, unknown[]> = {
    'sft.jsonl': s.sft.map(toChat),
    'grpo.jsonl': s.grpo.map(toPrompt),
    'pairs.jsonl': s.pairs.map((t, i) => toPreference(t, i)),
    'heldout.jsonl': s.heldOut.map(toPrompt),
  };
  const written: string[] = [];
  for (const [name, records] of Object.entries(files)) {
    const file = join(DATA_DIR, name);
    const text = toJsonl(records);
    if (existsSync(file) && readFileSync(file, 'utf8') === text) continue;
    writeFileAtomicSync(file, text);
    written.push(name);
  }
  return written;
}
