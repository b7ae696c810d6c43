/** The pipeline runner: run directory files, preflight of providers, Ctrl-C, default stages. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { AbortedError, ConfigError, type Doc, type KilnPlugin, readJsonlDocs } from '../src/index.js';
import { kilnWith } from './helpers.js';

const texts = [
  'The quick brown fox jumps over the lazy dog.',
  'THIS DOCUMENT IS SHOUTING AT EVERYONE WHO READS IT',
  '今天天气很好，我们去公园散步吧。',
  'The quick brown fox jumps over the lazy dog.',
];

const corpus: KilnPlugin = {
  name: 'corpus',
  source: {
    name: 'sample',
    async *read() {
      for (const [i, text] of texts.entries()) {
        yield {
          id: `sample:${i}`,
          text,
          origin: { source: 'sample', file: i < 2 ? 'a.txt' : 'b.txt', line: i },
        } satisfies Doc;
      }
    },
  },
};

const dedup = (): KilnPlugin => {
  const seen = new Map<string, string>();
  return {
    name: 'exact-dedup',
    cleaner: {
      rule: 'exact-duplicate',
      stage: 400,
      clean(doc, ctx) {
        const first = seen.get(doc.text);
        if (first) return ctx.drop('exact-duplicate', 'same text', first);
        seen.set(doc.text, doc.id);
        return doc;
      },
      finish: () => ({ unique: seen.size }),
    },
  };
};

const caps: KilnPlugin = {
  name: 'caps',
  cleaner: {
    rule: 'caps',
    clean: (d, ctx) => (/[a-z]/.test(d.text) || !/[A-Z]/.test(d.text) ? d : ctx.drop('caps', 'all caps')),
  },
};

describe('data stage', () => {
  test('writes clean.jsonl, report.json, manifest.json, config.json, state.json and metrics.jsonl', async () => {
    const { kiln } = await kilnWith({ name: 'data-run', plugins: [corpus, dedup(), caps], data: {} });
    expect(kiln.defaultStages()).toEqual(['data']);
    await kiln.run();
    const runDir = kiln.context().runDir;
    const kept: Doc[] = [];
    for await (const doc of readJsonlDocs(runDir.path('data/clean.jsonl'))) kept.push(doc);
    expect(kept.map((d) => d.id)).toEqual(['sample:0', 'sample:2']);
    expect(kept[1].text).toBe('今天天气很好，我们去公园散步吧。');

    const report = await runDir.readJson<{ rules: Record<string, unknown> }>('data/report.json');
    expect(report).toMatchObject({
      format: 'kiln-data-report',
      writer: '@kiln/core@0.1.0',
      docsIn: 4,
      docsOut: 2,
      dropped: 2,
      extras: { 'exact-duplicate': { unique: 2 } },
    });
    expect(Object.keys(report!.rules)).toEqual(['caps', 'exact-duplicate']); // stage order: FILTER, then DEDUP
    expect(report!.rules.caps).toMatchObject({
      plugin: 'caps',
      docsIn: 4,
      docsOut: 3,
      dropped: 1,
      reasons: { 'all caps': 1 },
    });
    expect(report!.rules['exact-duplicate']).toMatchObject({
      docsIn: 3,
      docsOut: 2,
      examples: [{ id: 'sample:3', duplicateOf: 'sample:0' }],
    });

    const manifest = await runDir.readJson<{ sources: Record<string, unknown> }>('data/manifest.json');
    expect(manifest!.sources.sample).toMatchObject({
      plugin: 'corpus',
      docs: 4,
      files: { 'a.txt': { docs: 2 }, 'b.txt': { docs: 2 } },
    });

    const config = await runDir.readJson<Record<string, unknown>>('config.json');
    expect(config).toMatchObject({
      format: 'kiln-config',
      name: 'data-run',
      plugins: [{ name: 'corpus' }, { name: 'exact-dedup' }, { name: 'caps' }, { name: 'kiln:backend-js' }],
    });
    const state = await runDir.readJson<{ stages: Record<string, unknown> }>('state.json');
    expect(state!.stages.data).toMatchObject({
      configHash: expect.stringMatching(/^[0-9a-f]{16}$/),
      metrics: { docsOut: 2 },
    });
    const events = readFileSync(runDir.path('metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).event);
    expect(events).toEqual(['stage_start', 'data', 'stage_end']);
  });

  test('the config hash changes with the stage section only', async () => {
    const hash = async (config: object) => {
      const { kiln } = await kilnWith({ plugins: [corpus], ...config });
      await kiln.run(['data']);
      return (await kiln.context().runDir.readJson<{ stages: { data: { configHash: string } } }>('state.json'))!.stages
        .data.configHash;
    };
    const base = await hash({ data: { minChars: 1 } });
    expect(await hash({ data: { minChars: 1 }, train: { steps: 9 } })).toBe(base);
    expect(await hash({ data: { minChars: 2 } })).not.toBe(base);
  });

  test('an aborted signal stops the stage and leaves no half-written clean.jsonl', async () => {
    const controller = new AbortController();
    const stopper: KilnPlugin = { name: 'stopper', cleaner: { rule: 'stop', clean: (d) => (controller.abort(), d) } };
    const { kiln } = await kilnWith({ plugins: [corpus, stopper] }, { signal: controller.signal });
    const error = await kiln.run(['data']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).exitCode).toBe(130);
    expect(kiln.context().runDir.exists('data/clean.jsonl')).toBe(false);
  });
});

test('each plugin logs under its own name', async () => {
  const chatty: KilnPlugin = {
    name: 'kiln-plugin-chatty',
    source: {
      name: 'one',
      async *read(ctx) {
        ctx.logger.info('reading');
        yield { id: '1', text: 'x', origin: { source: 'one' } };
      },
    },
    cleaner: { rule: 'noop', clean: (d, ctx) => (ctx.logger.warn('cleaning', { id: d.id }), d) },
    onStageEnd: (stage, _r, ctx) => ctx.logger.debug(`ended ${stage}`),
  };
  const { kiln, logger } = await kilnWith({ plugins: [chatty] });
  await kiln.run(['data']);
  const own = logger.records.filter((r) => r.message.startsWith('[kiln-plugin-chatty] '));
  expect(own).toEqual([
    { level: 'info', message: '[kiln-plugin-chatty] reading' },
    { level: 'warn', message: '[kiln-plugin-chatty] cleaning', data: { id: '1' } },
    { level: 'debug', message: '[kiln-plugin-chatty] ended data' },
  ]);
  expect(kiln.context().logger).toBe(logger); // core's own context is not prefixed
});

describe('stages without a provider', () => {
  test('fail before any stage runs, naming what to add (exit code 2)', async () => {
    const { kiln } = await kilnWith({ plugins: [corpus], train: { steps: 1 } });
    const error = (await kiln.run(['data', 'train']).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/stage "train": no trainer\. Add a trainer plugin/);
    expect(kiln.context().runDir.exists('data/clean.jsonl')).toBe(false);
    for (const [stage, what] of [
      ['data', 'source'],
      ['tokenizer', 'tokenizer'],
      ['encode', 'encoder'],
      ['eval', 'evaluator'],
      ['compress', 'compressor'],
      ['export', 'exporter'],
    ] as const) {
      const { kiln: empty } = await kilnWith({});
      await expect(empty.run([stage])).rejects.toThrow(new RegExp(`no ${what}`));
    }
  });

  test('the tokenizer stage needs the data stage first', async () => {
    const tokenizer: KilnPlugin = {
      name: 'tok',
      tokenizer: {
        name: 'bpe',
        train: async () => {
          throw new Error('unreachable');
        },
        load: async () => undefined,
      },
    };
    const { kiln } = await kilnWith({ plugins: [tokenizer], tokenizer: { type: 'bpe' } });
    await expect(kiln.run(['tokenizer'])).rejects.toThrow(
      /data\/clean\.jsonl, which does not exist: run the data stage first/,
    );
  });
});
