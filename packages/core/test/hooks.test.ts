/**
 * Every hook point can be tapped by a plain plugin object, and each keeps its
 * documented semantics: waterfall, bail (first wins), series, parallel.
 */
import { describe, expect, test } from 'vitest';
import { CLEAN_STAGE, type Doc, type KilnPlugin, type StageName } from '../src/index.js';
import { kilnWith } from './helpers.js';

function docs(source: string, texts: string[]) {
  return {
    name: source,
    async *read() {
      for (const [i, text] of texts.entries()) yield { id: `${source}:${i}`, text, origin: { source } } satisfies Doc;
    },
  };
}

describe('data hooks', () => {
  test('sources are read in series; cleaners form a waterfall that a drop ends', async () => {
    const seen: string[] = [];
    const { kiln } = await kilnWith({
      plugins: [
        { name: 'a', source: docs('a', ['one', 'two']) },
        { name: 'b', source: docs('b', ['three']) },
        {
          name: 'upper',
          cleaner: { rule: 'upper', clean: (d) => ({ ...d, text: d.text.toUpperCase() }) },
        },
        {
          name: 'drop-two',
          cleaner: {
            rule: 'no-two',
            clean(d, ctx) {
              seen.push(d.text); // receives the previous cleaner's output
              return d.text === 'TWO' ? ctx.drop('no-two', 'is two') : d;
            },
          },
        },
        {
          name: 'after',
          cleaner: { rule: 'after', clean: (d) => (seen.push(`after:${d.id}`), d) },
        },
      ],
    });
    const result = await kiln.run(['data']);
    expect(seen).toEqual(['ONE', 'after:a:0', 'TWO', 'THREE', 'after:b:0']);
    expect(result.data.metrics).toMatchObject({ docsIn: 3, docsOut: 2, dropped: 1 });
  });

  test('cleaners run by enforce, then named stage, never by array position', async () => {
    const order: string[] = [];
    const cleaner = (rule: string, stage?: number) => ({
      rule,
      stage,
      clean: (d: Doc) => (order.push(rule), d),
    });
    const { kiln } = await kilnWith({
      plugins: [
        { name: 'src', source: docs('s', ['x']) },
        { name: 'late', enforce: 'post', cleaner: cleaner('post-normalize', CLEAN_STAGE.NORMALIZE) },
        { name: 'dedup', cleaner: cleaner('dedup', CLEAN_STAGE.DEDUP) },
        { name: 'filter', cleaner: cleaner('filter') }, // default stage: FILTER
        { name: 'normalize', cleaner: cleaner('normalize', CLEAN_STAGE.NORMALIZE) },
        { name: 'early', enforce: 'pre', cleaner: cleaner('pre-redact', CLEAN_STAGE.REDACT) },
        { name: 'filter-2', cleaner: cleaner('filter-2', CLEAN_STAGE.FILTER) }, // same stage: config order
      ],
    });
    await kiln.run(['data']);
    expect(order).toEqual(['pre-redact', 'normalize', 'filter', 'filter-2', 'dedup', 'post-normalize']);
  });
});

describe('provider hooks (first wins)', () => {
  test('tokenizer, architecture, trainer and encoder resolve to the first matching provider', async () => {
    const calls: string[] = [];
    const trainer = (name: string, stage: 'train' | 'finetune' | 'align', tag: string) => ({
      name,
      stage,
      async run() {
        calls.push(`${tag}:${name}:${stage}`);
        return { metrics: { loss: 1 } };
      },
    });
    const plugins: KilnPlugin[] = [
      { name: 'first', trainer: [trainer('causal-lm', 'train', 'first'), trainer('sft', 'finetune', 'first')] },
      { name: 'second', trainer: [trainer('causal-lm', 'train', 'second'), trainer('dpo', 'align', 'second')] },
      { name: 'pre', enforce: 'pre', trainer: trainer('sft', 'finetune', 'pre') },
      {
        name: 'enc',
        encoder: {
          name: 'shards',
          async run(options) {
            calls.push(`encode:${JSON.stringify(options)}`);
            return {};
          },
        },
      },
    ];
    const { kiln } = await kilnWith({
      plugins,
      train: { trainer: 'causal-lm', steps: 3 },
      finetune: {},
      align: { trainer: 'dpo' },
      encode: { encoder: 'shards', shardTokens: 100 },
    });
    await kiln.run(['encode', 'train', 'finetune', 'align']);
    expect(calls).toEqual([
      'encode:{"shardTokens":100}',
      'first:causal-lm:train',
      'pre:sft:finetune',
      'second:dpo:align',
    ]);
    const facade = kiln.context().hooks;
    expect(() => facade.trainer('grpo', 'align')).toThrow(/no trainer named "grpo".*dpo \(align\)/s);
  });

  test('tokenizer stage trains on clean.jsonl and saves tokenizer.json; load and architecture hooks answer first-wins', async () => {
    const tokenizer = (tag: string) => ({
      name: 'chars',
      async train(stream: AsyncIterable<Doc>, options: Record<string, unknown>) {
        const chars = new Set<string>();
        for await (const d of stream) for (const c of d.text) chars.add(c);
        const vocab = [...chars].sort();
        return {
          type: `chars-${tag}`,
          vocabSize: vocab.length,
          specialTokens: {},
          eosId: 0,
          encode: (t: string) => [...t].map((c) => vocab.indexOf(c)),
          decode: (ids: ArrayLike<number>) => Array.from(ids, (i) => vocab[i]).join(''),
          hash: () => vocab.join(''),
          toJSON: () => ({ vocab, options }),
        };
      },
      async load(dir: string) {
        return dir.endsWith('tokenizer') ? this.train(docs('x', ['ab']).read(), {}) : undefined;
      },
    });
    const { kiln } = await kilnWith({
      plugins: [
        { name: 'src', source: docs('s', ['hello', 'world']) },
        { name: 'tok-1', tokenizer: tokenizer('1') },
        { name: 'tok-2', tokenizer: tokenizer('2') },
        {
          name: 'arch',
          architecture: {
            name: 'tiny',
            create: () => ({ tiny: true }),
            load: async (dir) => (dir.endsWith('m') ? { dir } : undefined),
            engine: () => undefined,
          },
        },
      ],
      tokenizer: { type: 'chars', extra: 7 },
    });
    const result = await kiln.run(['data', 'tokenizer']);
    expect(result.tokenizer.metrics).toEqual({ vocabSize: 7 });
    expect(await kiln.context().runDir.readJson('tokenizer/tokenizer.json')).toEqual({
      vocab: ['d', 'e', 'h', 'l', 'o', 'r', 'w'],
      options: { extra: 7 },
    });
    const facade = kiln.context().hooks;
    expect((await facade.loadTokenizer()).type).toBe('chars-1');
    expect(facade.architecture('tiny')).toBeDefined();
    expect(await facade.loadModel('/x/m')).toMatchObject({ model: { dir: '/x/m' } });
    await expect(facade.loadModel('/x/other')).rejects.toThrow(/^no model at \/x\/other: the directory does not exist/);
    // A directory that exists but that no architecture loads: the plugin to add.
    const empty = kiln.context().runDir.path('data');
    await expect(facade.loadModel(empty)).rejects.toThrow(
      `no architecture able to load ${empty}. Add a model architecture plugin`,
    );
  });
});

describe('model hooks (series and waterfall)', () => {
  test('rewards add up weighted, evaluators all add scores, compressors chain, exporters all write', async () => {
    const saved: unknown[] = [];
    const { kiln } = await kilnWith({
      plugins: [
        {
          name: 'arch',
          architecture: {
            name: 'm',
            create: () => ({}),
            load: async () => ({ weights: [1, 2, 3] }),
            save: async (model, dir) => (saved.push({ model, dir }), ['model.safetensors']),
            engine: () => undefined,
          },
        },
        {
          name: 'rewards',
          reward: [
            { name: 'length', score: ({ completion }) => completion.length },
            { name: 'polite', weight: 10, score: async ({ completion }) => (completion.includes('please') ? 1 : 0) },
          ],
        },
        { name: 'ppl', evaluator: { name: 'ppl', evaluate: async () => ({ 'val/ppl': 12 }) } },
        {
          name: 'acc',
          evaluator: {
            name: 'acc',
            evaluate: async (model) => ({ acc: (model as { weights: number[] }).weights.length }),
          },
        },
        {
          name: 'prune',
          compressor: {
            name: 'prune',
            compress: async (m) => ({ weights: (m as { weights: number[] }).weights.filter((w) => w > 1) }),
          },
        },
        {
          name: 'quant',
          compressor: { name: 'int8', compress: async (m) => ({ ...(m as object), int8: true }) },
        },
        {
          name: 'hf',
          exporter: { name: 'hf', format: 'huggingface', export: async (_m, dir) => [`${dir}/config.json`] },
        },
        { name: 'gguf', exporter: { name: 'gguf', format: 'gguf', export: async (_m, dir) => [`${dir}/model.gguf`] } },
      ],
      backend: 'js',
      eval: { model: 'some/model' },
      compress: { model: 'some/model' },
      // Export takes the trained model unless told otherwise: here, the compressed one, by stage name.
      export: { model: 'compress' },
    });
    const facade = kiln.context().hooks;
    expect(await facade.reward({ prompt: 'hi', completion: 'yes please' })).toEqual({
      total: 10 + 10,
      parts: { length: 10, polite: 1 },
    });
    expect(facade.rewards().map((r) => r.name)).toEqual(['length', 'polite']);
    expect(facade.evaluators().map((e) => e.name)).toEqual(['ppl', 'acc']);
    const results = await kiln.run(['eval', 'compress', 'export']);
    expect(results.eval.metrics).toEqual({ 'val/ppl': 12, acc: 3 });
    expect(saved).toEqual([
      { model: { weights: [2, 3], int8: true }, dir: kiln.context().runDir.path('compress/model') },
    ]);
    expect(results.export.outputs).toEqual(['export/huggingface/config.json', 'export/gguf/model.gguf']);
    const state = await kiln.context().runDir.readJson<{ modelDir: string }>('state.json');
    expect(state?.modelDir).toBe('compress/model');
  });
});

describe('lifecycle hooks (parallel)', () => {
  test('every lifecycle hook is called, and listeners run in parallel', async () => {
    const events: string[] = [];
    // Two listeners that wait for each other: only parallel calls can finish.
    let releaseA!: () => void;
    let releaseB!: () => void;
    const a = new Promise<void>((r) => (releaseA = r));
    const b = new Promise<void>((r) => (releaseB = r));
    const listener = (tag: string): KilnPlugin => ({
      name: `listener-${tag}`,
      onRunStart: () => void events.push(`${tag}:runStart`),
      onStageStart: (stage: StageName) => void events.push(`${tag}:stageStart:${stage}`),
      onStageEnd: (stage: StageName) => void events.push(`${tag}:stageEnd:${stage}`),
      async onStep(info) {
        events.push(`${tag}:step:${info.step}`);
        if (tag === 'a') {
          releaseB();
          await a;
        } else {
          releaseA();
          await b;
        }
      },
      onEval: (info) => void events.push(`${tag}:eval:${info.metrics.loss}`),
      onCheckpoint: (info) => void events.push(`${tag}:checkpoint:${info.dir}`),
      onRunEnd: (results) => void events.push(`${tag}:runEnd:${Object.keys(results)}`),
      configResolved: (config) => void events.push(`${tag}:configResolved:${Object.isFrozen(config)}`),
    });
    const { kiln } = await kilnWith({
      plugins: [
        listener('a'),
        listener('b'),
        {
          name: 'trainer',
          trainer: {
            name: 'fake',
            stage: 'train',
            async run(_options, ctx) {
              await ctx.hooks.emitStep({ stage: 'train', step: 1, totalSteps: 1, loss: 2, lr: 0.1 });
              await ctx.hooks.emitEval({ stage: 'train', step: 1, metrics: { loss: 2 } });
              await ctx.hooks.emitCheckpoint({ stage: 'train', step: 1, dir: 'ckpt/1' });
              return { metrics: { loss: 2 } };
            },
          },
        },
      ],
      train: {},
    });
    await kiln.run(['train']);
    for (const tag of ['a', 'b']) {
      expect(events).toEqual(
        expect.arrayContaining(
          [
            'configResolved:true',
            'runStart',
            'stageStart:train',
            'step:1',
            'eval:2',
            'checkpoint:ckpt/1',
            'stageEnd:train',
            'runEnd:train',
          ].map((e) => `${tag}:${e}`),
        ),
      );
    }
    const metrics = (await import('node:fs')).readFileSync(kiln.context().runDir.path('metrics.jsonl'), 'utf8');
    const lines = metrics
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event)).toEqual(['stage_start', 'step', 'eval', 'checkpoint', 'stage_end']);
    expect(lines[1]).toMatchObject({ stage: 'train', step: 1, loss: 2 });
  });
});
