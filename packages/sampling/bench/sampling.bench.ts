/**
 * Cost of choosing one token over GPT-2's vocabulary (50,257 logits), per setting.
 * Logits are a peaked, LM-like row (Gumbel-ish noise, a few strong tokens).
 * Run: npm run bench -- sampling
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { type SamplingOptions, sampleToken, seededUniform } from '../src/index.js';

const V = 50257;
const rng = seededUniform(1);
const logits = Float32Array.from({ length: V }, () => -Math.log(-Math.log(rng.next() + 1e-12)) * 1.5);
for (let i = 0; i < 20; i++) logits[(rng.next() * V) | 0] += 8;
const previous = Array.from({ length: 256 }, () => (rng.next() * V) | 0);

const settings: Array<[string, SamplingOptions]> = [
  ['greedy', { temperature: 0 }],
  ['temperature 1', { temperature: 1 }],
  ['top-k 50', { temperature: 1, topK: 50 }],
  ['top-p 0.9', { temperature: 1, topP: 0.9 }],
  ['top-p 0.99', { temperature: 1, topP: 0.99 }],
  ['k40 p0.95 rep1.1', { temperature: 0.8, topK: 40, topP: 0.95, repetitionPenalty: 1.1 }],
];
const rows = settings.map(([name, opts]) => {
  for (let i = 0; i < 50; i++) sampleToken(logits, opts, rng, previous);
  const n = 300;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sampleToken(logits, opts, rng, previous);
  return { setting: name, msPerToken: +((performance.now() - t0) / n).toFixed(3) };
});
console.table(rows);
mkdirSync('bench-results', { recursive: true });
writeFileSync(
  'bench-results/sampling.json',
  JSON.stringify({ name: 'sampling', vocab: V, node: process.version, rows }, null, 2),
);
