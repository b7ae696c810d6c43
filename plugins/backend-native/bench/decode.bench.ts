/**
 * Decoding: Kiln's native backend against llama.cpp (node-llama-cpp 3.21.1, its
 * prebuilt CPU binary) on the same random-init weights, exported as GGUF f32 and
 * q8_0 (Kiln runs them as f32 and as int8 group 32, the q8_0 layout). Batch 1,
 * a 16-token prompt, 128 greedy new tokens, on 1 and 2 threads: prompt tokens/s
 * (up to the first new token) and decode tokens/s (the other 127). The contenders
 * take turns within each round, rounds repeat (medians printed, every round kept
 * in the JSON). Then `kiln serve`'s aggregate tokens/s with 1, 4 and 16 streams.
 *
 *   npm run bench -- decode
 *   KILN_BENCH_MODELS=quickstart|124m   one model only
 *   KILN_BENCH_ROUNDS=N                 rounds (default 3)
 *   KILN_BENCH_THREADS=1,2              thread counts (default 1,2)
 */
import { cpus, loadavg } from 'node:os';
import { NativeBackend } from '@kiln/backend-native';
import { fmt, printTable, writeResults } from '../../backend-wasm/bench/report.js';
import { type DecodeModel, MODELS, prepareModel } from './decode-models.js';
import { kilnDecode, loadKilnEngine } from './kiln-decode.js';
import { type DecodeTiming, llamaDecode, loadGguf, loadLlama } from './llama-cpp.js';
import { type StreamsTiming, serveStreams } from './serve-streams.js';

const ROUNDS = Math.max(1, Number(process.env.KILN_BENCH_ROUNDS ?? 3));
const THREADS = (process.env.KILN_BENCH_THREADS ?? '1,2').split(',').map(Number);
const ONLY = process.env.KILN_BENCH_MODELS?.split(',');
const PROMPT_TOKENS = 16;
const NEW_TOKENS = 128;
const STREAMS = [1, 4, 16];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const load = () => loadavg()[0].toFixed(1);
const prompt = Array.from({ length: PROMPT_TOKENS }, (_, i) => 32 + ((i * 37) % 90));

console.log(`decode benchmark: ${cpus()[0]?.model?.trim()}, ${cpus().length} cores; load average ${load()} at start`);
const llama = await loadLlama();
if (typeof llama === 'string') console.log(`llama.cpp: ${llama} — Kiln's rows only`);

interface Row {
  model: string;
  weights: 'f32' | 'int8/q8_0';
  threads: number;
  kiln: DecodeTiming[];
  llama: DecodeTiming[];
}

const rows: Row[] = [];
const serveRows: Array<{ model: string; threads: number; timings: StreamsTiming[] }> = [];

for (const m of MODELS.filter((x: DecodeModel) => !ONLY || ONLY.includes(x.key))) {
  const files = await prepareModel(m);
  for (const threads of THREADS) {
    const be = await NativeBackend.create({ threads });
    for (const int8 of [false, true]) {
      const engine = await loadKilnEngine(files.dir, be, int8);
      const gguf =
        typeof llama === 'string' ? undefined : await loadGguf(llama, int8 ? files.gguf.q8_0 : files.gguf.f32);
      const row: Row = { model: m.label, weights: int8 ? 'int8/q8_0' : 'f32', threads, kiln: [], llama: [] };
      // One untimed run each: first-call costs (page faults, JIT) stay out of the rounds.
      await kilnDecode(engine, prompt, 8);
      if (gguf) await llamaDecode(gguf, prompt, 8, threads);
      for (let r = 0; r < ROUNDS; r++) {
        row.kiln.push(await kilnDecode(engine, prompt, NEW_TOKENS));
        if (gguf) row.llama.push(await llamaDecode(gguf, prompt, NEW_TOKENS, threads));
      }
      rows.push(row);
      const k = median(row.kiln.map((t) => t.decodeTokensPerS));
      const l = row.llama.length ? median(row.llama.map((t) => t.decodeTokensPerS)) : NaN;
      console.log(
        `${m.label}, ${row.weights}, ${threads}T: Kiln ${fmt(k)} tok/s, llama.cpp ${fmt(l)} tok/s (${fmt(k / l)}×); load ${load()}`,
      );
      await gguf?.dispose();
      engine.dispose();
    }
    await be.dispose();
  }
  // kiln serve: all cores, f32.
  const threads = Math.max(...THREADS);
  const be = await NativeBackend.create({ threads });
  const engine = await loadKilnEngine(files.dir, be, false);
  serveRows.push({ model: m.label, threads, timings: await serveStreams(engine, STREAMS, NEW_TOKENS) });
  engine.dispose();
  await be.dispose();
}

console.log(
  `\nbatch 1, prompt ${PROMPT_TOKENS}, ${NEW_TOKENS} new tokens, greedy; medians of ${ROUNDS} alternating rounds`,
);
printTable(
  [
    'model',
    'weights',
    'threads',
    'Kiln decode tok/s',
    'llama.cpp decode tok/s',
    'Kiln / llama.cpp',
    'Kiln prompt tok/s',
    'llama.cpp prompt tok/s',
  ],
  rows.map((r) => {
    const kd = median(r.kiln.map((t) => t.decodeTokensPerS));
    const ld = r.llama.length ? median(r.llama.map((t) => t.decodeTokensPerS)) : NaN;
    return [
      r.model,
      r.weights,
      String(r.threads),
      kd,
      ld,
      `${fmt(kd / ld)}×`,
      median(r.kiln.map((t) => t.promptTokensPerS)),
      r.llama.length ? median(r.llama.map((t) => t.promptTokensPerS)) : NaN,
    ];
  }),
);
console.log(`\nkiln serve, f32, streamed completions of ${NEW_TOKENS} tokens each, all at once`);
printTable(
  ['model', 'threads', 'streams', 'aggregate tok/s', 'vs 1 stream', 'widest step'],
  serveRows.flatMap((s) =>
    s.timings.map((t) => [
      s.model,
      String(s.threads),
      String(t.streams),
      t.tokensPerS,
      `${fmt(t.tokensPerS / s.timings[0].tokensPerS)}×`,
      String(t.widestStep),
    ]),
  ),
);
console.log(`load average ${load()} at the end`);
const file = writeResults('decode', {
  date: new Date().toISOString(),
  cpu: cpus()[0]?.model?.trim(),
  cores: cpus().length,
  llamaCpp: typeof llama === 'string' ? llama : 'node-llama-cpp 3.21.1 (prebuilt CPU binary)',
  promptTokens: PROMPT_TOKENS,
  newTokens: NEW_TOKENS,
  rounds: ROUNDS,
  rows: rows.map((r) => ({
    ...r,
    kiln: r.kiln.map(({ tokens: _, ...t }) => t),
    llama: r.llama.map(({ tokens: _, ...t }) => t),
  })),
  serve: serveRows,
  loadAtEnd: loadavg()[0],
});
console.log(`wrote ${file}`);
