import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A run directory as core and the trainers write it: 120 train steps, 30 finetune steps, evals every 40. */
export function writeFixtureRun(root: string): { trainSteps: number; finetuneSteps: number; evals: number } {
  mkdirSync(join(root, 'data'), { recursive: true });
  mkdirSync(join(root, 'eval'), { recursive: true });
  mkdirSync(join(root, 'compress'), { recursive: true });
  const lines: unknown[] = [
    { time: 't', stage: 'data', event: 'data', docsIn: 1000, docsOut: 870 },
    { time: 't', stage: 'train', event: 'stage_start' },
  ];
  let evals = 0;
  for (let step = 1; step <= 120; step++) {
    const lr = step <= 10 ? (6e-4 * step) / 10 : 6e-4 * 0.5 * (1 + Math.cos((Math.PI * (step - 10)) / 110));
    lines.push({
      time: 't',
      stage: 'train',
      event: 'step',
      step,
      totalSteps: 120,
      loss: 10 * Math.exp(-step / 40) + 2,
      lr,
      tokensPerSecond: 5000 + (step % 7) * 100,
    });
    if (step % 40 === 0) {
      lines.push({
        time: 't',
        stage: 'train',
        event: 'eval',
        step,
        'val/loss': 10 * Math.exp(-step / 40) + 2.3,
        'val/ppl': Math.exp(10 * Math.exp(-step / 40) + 2.3),
      });
      evals++;
    }
  }
  for (let step = 1; step <= 30; step++)
    lines.push({ stage: 'finetune', event: 'step', step, loss: 2.5 - step / 60, lr: 1e-4, tokensPerSecond: 4000 });
  lines.push({ time: 't', stage: 'train', event: 'stage_end', seconds: 42 });
  writeFileSync(join(root, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n{"torn": ');
  writeFileSync(
    join(root, 'data/report.json'),
    JSON.stringify({
      format: 'kiln-data-report',
      version: 1,
      docsIn: 1000,
      charsIn: 500000,
      docsOut: 870,
      charsOut: 430000,
      dropped: 130,
      rules: {
        'min-length': {
          plugin: 'kiln:quality',
          stage: 300,
          docsIn: 1000,
          charsIn: 500000,
          docsOut: 920,
          charsOut: 497000,
          dropped: 80,
          reasons: { 'fewer than 50 chars': 80 },
          examples: [{ id: 'a.jsonl:3', detail: 'fewer than 50 chars', excerpt: 'hi <b>there</b>' }],
        },
        'exact-dedup': {
          plugin: 'kiln:dedup',
          stage: 400,
          docsIn: 920,
          charsIn: 497000,
          docsOut: 870,
          charsOut: 430000,
          dropped: 50,
          reasons: { duplicate: 50 },
          examples: [{ id: 'b.txt:9', duplicateOf: 'a.jsonl:1', excerpt: '中文 duplicate' }],
        },
      },
    }),
  );
  writeFileSync(
    join(root, 'eval/results.json'),
    JSON.stringify({
      format: 'kiln-eval-results',
      version: 1,
      scores: { 'val/ppl': 12.34, 'val/bpb': 1.07, 'mc/accuracy': 0.625 },
    }),
  );
  writeFileSync(
    join(root, 'eval/samples.json'),
    JSON.stringify([
      { prompt: 'Once upon a time', completion: ' there was a kiln.', stage: 'train', step: 120 },
      { prompt: '<script>alert(1)</script>', completion: '中文 & "quotes"', stage: 'finetune', step: 30 },
    ]),
  );
  // As @kiln/compress appends them: prune (size unchanged, measured), int8 (measured), int4 (not measured).
  writeFileSync(
    join(root, 'compress/report.json'),
    JSON.stringify({
      format: 'kiln-compress-report',
      version: 1,
      entries: [
        {
          compressor: 'prune',
          settings: { pattern: '2:4', skip: ['wte'] },
          bytesBefore: 52428800,
          bytesAfter: 52428800,
          ratio: 1,
          sparsity: 0.5,
          pplBefore: 12.5,
          pplAfter: 13.1,
          pplChange: 13.1 / 12.5 - 1,
        },
        {
          compressor: 'int8',
          settings: { bits: 8, group: 64 },
          bytesBefore: 52428800,
          bytesAfter: 14680064,
          ratio: 52428800 / 14680064,
          pplBefore: 13.1,
          pplAfter: 13.1026,
          pplChange: 13.1026 / 13.1 - 1,
        },
        {
          compressor: 'int4',
          settings: { bits: 4, group: 32 },
          bytesBefore: 52428800,
          bytesAfter: 8912896,
          ratio: 52428800 / 8912896,
        },
      ],
    }),
  );
  writeFileSync(
    join(root, 'config.json'),
    JSON.stringify({
      format: 'kiln-config',
      version: 1,
      name: 'tiny-shakespeare',
      seed: 1337,
      backend: 'wasm',
      model: { architecture: 'gpt2', nLayer: 4 },
      train: { steps: 120, lr: 6e-4 },
      plugins: [{ name: 'kiln:gpt2', version: '0.1.0' }, { name: 'kiln:bpe' }],
    }),
  );
  writeFileSync(
    join(root, 'state.json'),
    JSON.stringify({
      format: 'kiln-run-state',
      version: 1,
      stages: {
        data: { seconds: 3.5, finishedAt: '2026-11-27T23:00:00Z', metrics: { docsOut: 870 } },
        train: { seconds: 42, finishedAt: '2026-11-27T23:01:00Z' },
      },
    }),
  );
  return { trainSteps: 120, finetuneSteps: 30, evals };
}
