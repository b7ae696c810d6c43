/** Task files: JSON arrays or JSON lines, checked item by item with errors that name the file and line. */
import { readFile } from 'node:fs/promises';

export interface ChoiceItem {
  /** Text before the answer, e.g. "Question: ...\nAnswer:". */
  context: string;
  /** Candidate continuations (lm-evaluation-harness style: usually with a leading space). */
  choices: string[];
  /** Index of the correct choice. */
  answer: number;
}

export interface AnswerItem {
  prompt: string;
  /** The expected answer; compared after trimming (and case-folding unless caseSensitive). */
  answer: string;
}

async function readItems(file: string): Promise<Array<{ item: unknown; where: string }>> {
  const text = await readFile(file, 'utf8').catch((e: Error) => {
    throw new Error(`cannot read task file ${file}: ${e.message}`);
  });
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    let list: unknown[];
    try {
      list = JSON.parse(text) as unknown[];
    } catch (e) {
      throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
    }
    return list.map((item, i) => ({ item, where: `${file}: item ${i}` }));
  }
  const out: Array<{ item: unknown; where: string }> = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push({ item: JSON.parse(line), where: `${file}:${i + 1}` });
    } catch (e) {
      throw new Error(`${file}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
  });
  return out;
}

export function checkChoiceItem(item: unknown, where: string): ChoiceItem {
  const o = item as Partial<ChoiceItem>;
  if (typeof o?.context !== 'string') throw new Error(`${where}: "context" must be a string`);
  if (
    !Array.isArray(o.choices) ||
    o.choices.length < 2 ||
    !o.choices.every((c) => typeof c === 'string' && c.length > 0)
  )
    throw new Error(`${where}: "choices" must be at least 2 non-empty strings`);
  if (!(Number.isInteger(o.answer) && o.answer! >= 0 && o.answer! < o.choices.length))
    throw new Error(
      `${where}: "answer" must be an index into choices (0..${o.choices.length - 1}), got ${JSON.stringify(o.answer)}`,
    );
  return { context: o.context, choices: o.choices, answer: o.answer! };
}

export function checkAnswerItem(item: unknown, where: string): AnswerItem {
  const o = item as Partial<AnswerItem>;
  if (typeof o?.prompt !== 'string' || o.prompt.length === 0)
    throw new Error(`${where}: "prompt" must be a non-empty string`);
  if (typeof o.answer !== 'string') throw new Error(`${where}: "answer" must be a string`);
  return { prompt: o.prompt, answer: o.answer };
}

export async function loadChoiceItems(file: string): Promise<ChoiceItem[]> {
  return (await readItems(file)).map(({ item, where }) => checkChoiceItem(item, where));
}

export async function loadAnswerItems(file: string): Promise<AnswerItem[]> {
  return (await readItems(file)).map(({ item, where }) => checkAnswerItem(item, where));
}
