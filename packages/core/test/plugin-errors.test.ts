/** A failure inside a plugin is reported with the plugin's name and the hook. */
import { describe, expect, test } from 'vitest';
import { KilnError, type KilnPlugin } from '../src/index.js';
import { kilnWith } from './helpers.js';

const source: KilnPlugin = {
  name: 'src',
  source: {
    name: 'lines',
    async *read() {
      yield { id: '1', text: 'hello', origin: { source: 'lines' } };
    },
  },
};

async function failure(
  plugins: KilnPlugin[],
  stages: Parameters<Awaited<ReturnType<typeof kilnWith>>['kiln']['run']>[0],
  extra = {},
) {
  const { kiln } = await kilnWith({ plugins, train: {}, ...extra });
  return kiln.run(stages).then(
    () => undefined,
    (error: unknown) => error as KilnError,
  );
}

describe('plugin errors name the plugin and the hook', () => {
  test('a cleaner', async () => {
    const error = await failure(
      [
        source,
        {
          name: 'kiln-plugin-foo',
          cleaner: {
            rule: 'shout',
            clean: () => {
              throw new Error('boom');
            },
          },
        },
      ],
      ['data'],
    );
    expect(error).toBeInstanceOf(KilnError);
    expect(error?.message).toBe('[kiln-plugin-foo] cleaner "shout" failed: boom');
    expect(error).toMatchObject({ plugin: 'kiln-plugin-foo', hook: 'cleaner' });
    expect(error?.cause).toMatchObject({ message: 'boom' });
  });

  test('a source that fails mid-stream', async () => {
    const broken: KilnPlugin = {
      name: 'kiln-plugin-broken-source',
      source: {
        name: 'flaky',
        async *read() {
          yield { id: '1', text: 'ok', origin: { source: 'flaky' } };
          throw new Error('disk gone');
        },
      },
    };
    const error = await failure([broken], ['data']);
    expect(error?.message).toBe('[kiln-plugin-broken-source] source "flaky" failed: disk gone');
  });

  test('a trainer, a lifecycle listener, a config hook', async () => {
    const trainer: KilnPlugin = {
      name: 'kiln-plugin-trainer',
      trainer: {
        name: 'fake',
        stage: 'train',
        run: async () => {
          throw new TypeError('NaN loss');
        },
      },
    };
    expect((await failure([trainer], ['train']))?.message).toBe(
      '[kiln-plugin-trainer] trainer "fake" failed: NaN loss',
    );

    const listener: KilnPlugin = {
      name: 'kiln-plugin-logger',
      onStageStart: () => {
        throw new Error('no network');
      },
    };
    const ok: KilnPlugin = { name: 't', trainer: { name: 'ok', stage: 'train', run: async () => ({}) } };
    expect((await failure([ok, listener], ['train']))?.message).toBe(
      '[kiln-plugin-logger] onStageStart failed: no network',
    );

    const configurer: KilnPlugin = {
      name: 'kiln-plugin-cfg',
      config: () => {
        throw new Error('bad env');
      },
    };
    await expect(kilnWith({ plugins: [configurer] })).rejects.toThrow('[kiln-plugin-cfg] config failed: bad env');
  });

  test('a nested failure keeps the innermost plugin', async () => {
    const listener: KilnPlugin = {
      name: 'kiln-plugin-steps',
      onStep: () => {
        throw new Error('full disk');
      },
    };
    const trainer: KilnPlugin = {
      name: 'kiln-plugin-trainer',
      trainer: {
        name: 'fake',
        stage: 'train',
        async run(_o, ctx) {
          await ctx.hooks.emitStep({ stage: 'train', step: 1, totalSteps: 1, loss: 1, lr: 1 });
          return {};
        },
      },
    };
    const error = await failure([trainer, listener], ['train']);
    expect(error?.message).toBe('[kiln-plugin-steps] onStep failed: full disk');
  });

  test('a cleaner that returns nothing is named', async () => {
    const bad: KilnPlugin = { name: 'kiln-plugin-lazy', cleaner: { rule: 'lazy', clean: () => undefined as never } };
    const error = await failure([source, bad], ['data']);
    expect(error?.message).toMatch(/^\[kiln-plugin-lazy\] cleaner "lazy" returned neither a document nor ctx.drop/);
  });
});
