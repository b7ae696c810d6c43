import { createRng } from '@kiln/tensor';
import type { TaskFamily, TaskInstance } from './tasks.js';

/**
 * Disjoint sets of instances: `heldOut` prompts never appear in `train`, so an
 * accuracy measured on them is on fresh cases, not memorised ones. Families
 * are drawn in turn; duplicates within a set are skipped.
 */
export function taskSplits(
  families: readonly TaskFamily[],
  sizes: Record<string, number>,
  seed: number,
): Record<string, TaskInstance[]> {
  if (!families.length) throw new Error('taskSplits: no task families');
  const rng = createRng(seed);
  const seen = new Set<string>();
  const out: Record<string, TaskInstance[]> = {};
  for (const [split, n] of Object.entries(sizes)) {
    const list: TaskInstance[] = [];
    let tries = 0;
    while (list.length < n) {
      if (++tries > n * 50)
        throw new Error(`taskSplits: cannot find ${n} distinct '${split}' instances (the task space is too small)`);
      const inst = families[list.length % families.length].sample(rng);
      if (seen.has(inst.prompt)) continue;
      seen.add(inst.prompt);
      list.push(inst);
    }
    out[split] = list;
  }
  return out;
}

/** As a chat record (`@kiln/finetune` data) with the answer in meta for rewards. */
export function toChat(t: TaskInstance): {
  messages: Array<{ role: string; content: string }>;
  meta: { task: string; answer: string };
} {
  return {
    messages: [
      { role: 'user', content: t.prompt },
      { role: 'assistant', content: t.answer },
    ],
    meta: { task: t.task, answer: t.answer },
  };
}

/** As a prompt record (`@kiln/align` GRPO data). */
export function toPrompt(t: TaskInstance): { prompt: string; meta: { task: string; answer: string } } {
  return { prompt: t.prompt, meta: { task: t.task, answer: t.answer } };
}

/** A preference pair: the right answer over a plausible wrong one (one digit or letter changed). */
export function toPreference(t: TaskInstance, seed: number): { prompt: string; chosen: string; rejected: string } {
  const rng = createRng(seed);
  const chars = [...t.answer];
  const i = rng.int(chars.length);
  const c = chars[i];
  const alphabet = /\d/.test(c) ? '0123456789' : /[a-z]/.test(c) ? 'abcdefghijklmnopqrstuvwxyz' : null;
  if (alphabet) {
    let r = c;
    while (r === c) r = alphabet[rng.int(alphabet.length)];
    chars[i] = r;
  } else chars.push(chars[chars.length - 1] ?? '0');
  return { prompt: t.prompt, chosen: t.answer, rejected: chars.join('') };
}

export function toJsonl(records: readonly unknown[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
