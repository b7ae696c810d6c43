// Writes data/sft-pairs.jsonl: instruction pairs "标题 + 作者 → the poem" built from the cleaned,
// Simplified Tang poems of this run (runs/chinese/data/clean.jsonl, written by `kiln prepare`).
// Only short poems (≤ MAX_CHARS characters of verse) so a pair fits the 128-token context.
// The finetune stage holds out a share of these pairs (finetune.data.valFraction) as the test set.
// Run: npx tsx scripts/make-sft-pairs.ts
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const MAX_CHARS = 64;
const MAX_PAIRS = 2000;
const clean = new URL('../runs/chinese/data/clean.jsonl', import.meta.url);
const out = new URL('../data/sft-pairs.jsonl', import.meta.url);

let lines: string[];
try {
  lines = readFileSync(clean, 'utf8').split('\n').filter(Boolean);
} catch {
  throw new Error(`${clean.pathname} not found: run \`npx kiln prepare -c examples/chinese/llm.config.ts\` first`);
}
const pairs: string[] = [];
for (const [i, line] of lines.entries()) {
  const doc = JSON.parse(line) as { text?: string; origin?: { source?: string }; meta?: { author?: string } };
  if (doc.origin?.source !== 'chinese-poetry' || !doc.text || !doc.meta?.author) continue;
  const [title, ...verse] = doc.text.split('\n');
  const poem = verse.join('\n').trim();
  if (!title?.trim() || !poem || poem.length > MAX_CHARS) continue;
  if (!/^[\p{Script=Han}，。？！、；：\n]+$/u.test(poem)) continue; // no lacunae or stray marks
  const prompt = `写一首诗。\n标题：${title.trim()}\n作者：${doc.meta.author}`;
  pairs.push(JSON.stringify({ prompt, response: poem, source: `clean.jsonl:${i + 1}` }));
  if (pairs.length >= MAX_PAIRS) break;
}
const tmp = `${out.pathname}.tmp`;
writeFileSync(tmp, pairs.join('\n') + '\n');
renameSync(tmp, out);
console.log(`${out.pathname}: ${pairs.length} pairs from ${lines.length} documents`);
