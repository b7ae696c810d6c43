/**
 * The items a task-accuracy evaluation asks: fresh instances drawn from task
 * families (any object with `name` and `sample(rng)`, as @kiln/tasks makes),
 * seeded and kept apart from the prompts of training files; or a JSONL file of
 * prompt/answer pairs (`{prompt, answer}` or an align prompt record `{prompt, meta: {answer}}`).
 */
import { readFile } from 'node:fs/promises';
import { createRng, type Rng } from '@kiln/tensor';

export interface TaskItem {
  prompt: string;
  answer: string;
}

/** A source of verifiable instances (@kiln/tasks' TaskFamily fits). */
export interface TaskSource {
  name: string;
  sample(rng: Rng): { prompt: string; answer: string };
}

async function jsonLines(file: string): Promise<Array<{ value: Record<string, unknown>; where: string }>> {
  const text = await readFile(file, 'utf8').catch((e: Error) => {
    throw new Error(`cannot read ${file}: ${e.message}`);
  });
  const out: Array<{ value: Record<string, unknown>; where: string }> = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push({ value: JSON.parse(line) as Record<string, unknown>, where: `${file}:${i + 1}` });
    } catch (e) {
      throw new Error(`${file}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
  });
  return out;
}

/** The user's text of a record: `prompt`, or the first user message of `messages` (chat data). */
function promptOf(v: Record<string, unknown>): string | undefined {
  if (typeof v.prompt === 'string') return v.prompt;
  const msgs = Array.isArray(v.messages) ? v.messages : Array.isArray(v.prompt) ? v.prompt : undefined;
  const user = msgs?.find((m: { role?: unknown }) => m?.role === 'user') as { content?: unknown } | undefined;
  return typeof user?.content === 'string' ? user.content : undefined;
}

/** `{prompt, answer}` or `{prompt, meta: {answer}}` lines; errors name file:line. */
export async function readTaskItems(file: string): Promise<TaskItem[]> {
  const items = (await jsonLines(file)).map(({ value, where }) => {
    const prompt = promptOf(value);
    const meta = value.meta as { answer?: unknown } | undefined;
    const answer = value.answer ?? meta?.answer;
    if (prompt === undefined || prompt === '') throw new Error(`${where}: no "prompt" string (or user message)`);
    if (typeof answer !== 'string' && typeof answer !== 'number')
      throw new Error(`${where}: no "answer" (or meta.answer) string`);
    return { prompt, answer: String(answer) };
  });
  if (items.length === 0) throw new Error(`${file}: no items`);
  return items;
}

/** Every prompt in these files (training data a fresh instance must not repeat). */
export async function promptsIn(files: readonly string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const file of files)
    for (const { value } of await jsonLines(file)) {
      const p = promptOf(value);
      if (p !== undefined) seen.add(p);
    }
  return seen;
}

/** `count` distinct instances, the families in turn, none of whose prompts is in `exclude`. */
export function freshInstances(
  sources: readonly TaskSource[],
  count: number,
  seed: number,
  exclude: ReadonlySet<string>,
  where: string,
): TaskItem[] {
  if (sources.length === 0) throw new Error(`${where}: "tasks" is empty`);
  const rng = createRng(seed);
  const seen = new Set(exclude);
  const out: TaskItem[] = [];
  let tries = 0;
  while (out.length < count) {
    if (++tries > count * 100)
      throw new Error(
        `${where}: found only ${out.length} of ${count} instances unseen in training (the task space is too small)`,
      );
    const inst = sources[out.length % sources.length].sample(rng);
    if (seen.has(inst.prompt)) continue;
    seen.add(inst.prompt);
    out.push({ prompt: inst.prompt, answer: inst.answer });
  }
  return out;
}
