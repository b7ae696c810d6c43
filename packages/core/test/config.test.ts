/** Configuration: files, environment functions, overrides, validation, plugins by name, freeze. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ConfigError, createKiln, createMemoryLogger, defineConfig, type KilnPlugin } from '../src/index.js';
import { kilnWith, tempDir } from './helpers.js';

function writeFiles(dir: string, files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('defineConfig and environment functions', () => {
  test('object, promise and function of the environment all work', async () => {
    const object = defineConfig({ name: 'a' });
    const promise = defineConfig(Promise.resolve({ name: 'b' }));
    const fn = defineConfig(({ command, env, machine }) => ({
      name: `${command}-${env.KILN_SIZE}`,
      seed: machine.cpus > 0 ? 7 : 0,
    }));
    expect((await kilnWith(object)).kiln.config.name).toBe('a');
    expect((await kilnWith(promise)).kiln.config.name).toBe('b');
    const { kiln } = await kilnWith(fn, { command: 'train', env: { KILN_SIZE: 'small' } });
    expect(kiln.config).toMatchObject({ name: 'train-small', seed: 7, backend: 'auto' });
  });

  test('nested plugin arrays and falsy entries', async () => {
    const p = (name: string): KilnPlugin => ({ name });
    const gpu = false;
    const { kiln } = await kilnWith({
      plugins: [p('a'), [p('b'), [null, p('c')]], gpu && p('d'), undefined, Promise.resolve(p('e'))],
    });
    expect(kiln.config.plugins.map((x) => x.name)).toEqual(['a', 'b', 'c', 'e', 'kiln:backend-js']);
  });
});

describe('config files', () => {
  test('llm.config.ts is found and loaded without a build step; relative paths resolve beside it', async () => {
    const dir = tempDir('file');
    writeFiles(dir, {
      'llm.config.ts': `
        import { defineConfig, CLEAN_STAGE } from '@kiln/core';
        interface Sizes { steps: number }
        const sizes: Sizes = { steps: CLEAN_STAGE.DEDUP };
        export default defineConfig({ name: 'from-ts', train: { steps: sizes.steps } });
      `,
    });
    const kiln = await createKiln({ cwd: dir, logger: createMemoryLogger() });
    expect(kiln.config).toMatchObject({
      name: 'from-ts',
      configFile: join(dir, 'llm.config.ts'),
      root: dir,
      train: { steps: 400 },
    });
    expect(kiln.config.runDir).toBe(join(dir, 'runs/from-ts'));
  });

  test('-c picks a file; .mjs works; --run-dir is relative to cwd', async () => {
    const dir = tempDir('mjs');
    writeFiles(dir, { 'conf/small.mjs': `export default { name: 'small', runDir: 'out' };` });
    const kiln = await createKiln({ cwd: dir, configFile: 'conf/small.mjs', logger: createMemoryLogger() });
    expect(kiln.config.runDir).toBe(join(dir, 'conf/out'));
    const moved = await createKiln({
      cwd: dir,
      configFile: 'conf/small.mjs',
      runDir: 'elsewhere',
      logger: createMemoryLogger(),
    });
    expect(moved.config.runDir).toBe(join(dir, 'elsewhere'));
    const missing = await configError(createKiln({ cwd: dir, configFile: 'nope.ts' }));
    expect(missing.message).toMatch(/nope\.ts: config file not found/);
    writeFiles(dir, { 'broken.ts': `export default { name: ;` });
    const broken = await configError(createKiln({ cwd: dir, configFile: 'broken.ts' }));
    expect(broken.message).toContain(`${join(dir, 'broken.ts')}: failed to load:`);
    writeFiles(dir, { 'array.mjs': `export default [1, 2];` });
    expect((await configError(createKiln({ cwd: dir, configFile: 'array.mjs' }))).message).toMatch(
      /array\.mjs: must default-export defineConfig/,
    );
  });

  test('a config that throws (at load, in its function, as a rejected promise) names the config file', async () => {
    const dir = tempDir('throws');
    const file = join(dir, 'llm.config.ts');
    const sources = {
      'in its function': `import { defineConfig } from '@kiln/core';\nexport default defineConfig(() => { throw new Error('boom'); });`,
      'as a rejected promise': `export default Promise.reject(new Error('boom'));`,
      'at load': `throw new Error('boom');\nexport default {};`,
    };
    for (const [how, source] of Object.entries(sources)) {
      writeFiles(dir, { 'llm.config.ts': source });
      // Found by the search (no -c), so only Kiln can say which file it was.
      const error = await configError(createKiln({ cwd: dir, logger: createMemoryLogger() }));
      expect(error.message, how).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*boom`));
      expect(error.file, how).toBe(file);
    }
  });

  test('plugins by package name resolve from the config folder, with options', async () => {
    const dir = tempDir('byname');
    const plugin = (name: string) => `
      export default function factory(options = {}) {
        return { name: '${name}', api: { options } };
      }`;
    writeFiles(dir, {
      'node_modules/kiln-plugin-tmp/package.json': JSON.stringify({
        name: 'kiln-plugin-tmp',
        type: 'module',
        exports: './index.js',
      }),
      'node_modules/kiln-plugin-tmp/index.js': plugin('kiln-plugin-tmp'),
      'node_modules/@acme/kiln-plugin-scoped/package.json': JSON.stringify({
        name: '@acme/kiln-plugin-scoped',
        type: 'module',
        main: 'index.js',
      }),
      'node_modules/@acme/kiln-plugin-scoped/index.js': plugin('@acme/kiln-plugin-scoped'),
      'llm.config.ts': `export default { plugins: [['kiln-plugin-tmp', { word: 'hi' }], '@acme/kiln-plugin-scoped'] };`,
    });
    const kiln = await createKiln({ cwd: dir, logger: createMemoryLogger() });
    expect(kiln.context().plugin('kiln-plugin-tmp')).toEqual({ options: { word: 'hi' } });
    expect(kiln.context().plugin('@acme/kiln-plugin-scoped')).toEqual({ options: {} });

    writeFiles(dir, { 'llm.config.ts': `export default { plugins: ['kiln-plugin-missing'] };` });
    const error = await configError(createKiln({ cwd: dir }));
    expect(error.message).toContain(
      `${join(dir, 'llm.config.ts')}: plugins[0]: cannot find plugin package "kiln-plugin-missing"`,
    );
    expect(error).toMatchObject({ field: 'plugins[0]', plugin: 'kiln-plugin-missing', exitCode: 2 });
  });
});

describe('overrides from the command line', () => {
  test('--set parses JSON values, creates sections, and wins over config hooks', async () => {
    const { kiln } = await kilnWith(
      {
        train: { steps: 10, lr: 0.1 },
        plugins: [{ name: 'cfg', config: () => ({ train: { steps: 20, warmup: 5 } }) }],
      },
      { overrides: ['train.steps=100', 'train.schedule={"kind":"cosine"}', 'name=run-7', 'data.glob=*.txt', 'seed=3'] },
    );
    expect(kiln.config.train).toEqual({ steps: 100, lr: 0.1, warmup: 5, schedule: { kind: 'cosine' } });
    expect(kiln.config).toMatchObject({ name: 'run-7', seed: 3, data: { glob: '*.txt' } });
    await expect(kilnWith({}, { overrides: ['train.steps'] })).rejects.toThrow(/expected key.path=value/);
    await expect(kilnWith({}, { overrides: ['plugins=[]'] })).rejects.toThrow(/plugins cannot be set/);
  });
});

describe('validation', () => {
  test('an unknown top-level field names the file and field, with did-you-mean', async () => {
    const dir = tempDir('bad');
    writeFiles(dir, { 'llm.config.ts': `export default { name: 'x', tarin: { steps: 1 } };` });
    const error = await configError(createKiln({ cwd: dir }));
    expect(error.message).toContain(join(dir, 'llm.config.ts'));
    expect(error.message).toContain('tarin: unknown field (did you mean "train"?)');
    expect(error).toMatchObject({ field: 'tarin', file: join(dir, 'llm.config.ts'), exitCode: 2 });
    const typed = await configError(kilnWith({ seed: 'seven' as never }));
    expect(typed.message).toMatch(/seed: .*number/i);
  });

  test("a provider's option schema validates its section and the error names the plugin", async () => {
    const trainer: KilnPlugin = {
      name: 'kiln-plugin-trainer',
      trainer: {
        name: 'causal-lm',
        stage: 'train',
        options: z.strictObject({ steps: z.number().int().positive(), lr: z.number().default(3e-4) }),
        run: async () => ({}),
      },
    };
    const { kiln } = await kilnWith({ plugins: [trainer], train: { trainer: 'causal-lm', steps: 5 } });
    expect(kiln.config.train).toEqual({ trainer: 'causal-lm', steps: 5, lr: 3e-4 });

    const typo = await configError(kilnWith({ plugins: [trainer], train: { stepz: 5 } }));
    expect(typo.message).toContain('train.stepz: unknown field (did you mean "steps"?) [plugin kiln-plugin-trainer]');
    expect(typo.message).toMatch(/train\.steps: .*\[plugin kiln-plugin-trainer\]/); // required, missing
    expect(typo).toMatchObject({ plugin: 'kiln-plugin-trainer', exitCode: 2 });
    const wrong = await configError(kilnWith({ plugins: [trainer], train: { steps: -1 } }));
    expect(wrong.message).toMatch(/train\.steps: .*\[plugin kiln-plugin-trainer\]/);
  });

  test('a section naming a provider nobody offers fails at load, with a did-you-mean over what is loaded', async () => {
    const trainer: KilnPlugin = {
      name: 'kiln-plugin-trainer',
      trainer: { name: 'causal-lm', stage: 'train', run: async () => ({}) },
    };
    const typo = await configError(kilnWith({ plugins: [trainer], train: { trainer: 'causal-lmm' } }));
    expect(typo.message).toContain(
      'train.trainer: no trainer named "causal-lmm" (did you mean "causal-lm"?). Add a trainer plugin',
    );
    expect(typo.message).toContain('loaded plugins offer: causal-lm');
    expect(typo).toMatchObject({ field: 'train.trainer', exitCode: 2 });
    // A trainer of another stage is not offered for this one.
    const other = await configError(kilnWith({ plugins: [trainer], finetune: { trainer: 'causal-lm' } }));
    expect(other.message).toContain('finetune.trainer: no trainer named "causal-lm". Add a trainer plugin');
    const arch = await configError(kilnWith({ model: { architecture: 'gpt2' } }));
    expect(arch.message).toContain('model.architecture: no architecture named "gpt2". Add a model architecture plugin');
  });

  test("a model vocabulary smaller than the tokenizer's fails at load, naming both plugins", async () => {
    const plugins: KilnPlugin[] = [
      {
        name: 'kiln-plugin-bpe',
        tokenizer: { name: 'bpe', train: async () => ({}) as never, load: async () => undefined },
      },
      { name: 'kiln-plugin-arch', architecture: { name: 'tiny', create: () => ({}), engine: () => undefined } },
    ];
    const small = await configError(
      kilnWith({
        plugins,
        tokenizer: { type: 'bpe', vocabSize: 512 },
        model: { architecture: 'tiny', vocabSize: 500 },
      }),
    );
    expect(small.message).toContain(
      'model.vocabSize: 500 is smaller than tokenizer.vocabSize 512 (kiln-plugin-bpe): token ids 500..511 would have no embedding; set model.vocabSize to at least 512 [plugin kiln-plugin-arch]',
    );
    const { kiln } = await kilnWith({
      plugins,
      tokenizer: { type: 'bpe', vocabSize: 512 },
      model: { architecture: 'tiny', vocabSize: 520 },
    });
    expect(kiln.config.model?.vocabSize).toBe(520);
    // A provider that knows its size before training (byte-level: 257) is asked instead of the section.
    const bytes: KilnPlugin = {
      name: 'kiln-plugin-bytes',
      tokenizer: { name: 'bytes', vocabSize: () => 257, train: async () => ({}) as never, load: async () => undefined },
    };
    const fixed = await configError(
      kilnWith({
        plugins: [bytes, plugins[1]],
        tokenizer: { type: 'bytes' },
        model: { architecture: 'tiny', vocabSize: 256 },
      }),
    );
    expect(fixed.message).toContain(
      "model.vocabSize: 256 is smaller than the 257 tokens of tokenizer 'bytes' (kiln-plugin-bytes): token ids 256..256",
    );
  });

  test('plugin objects are checked: name, enforce, misspelled hooks', async () => {
    expect((await configError(kilnWith({ plugins: [{ name: '' }] }))).message).toMatch(
      /plugins\[0\]: a plugin needs a non-empty "name"/,
    );
    const typo = await configError(kilnWith({ plugins: [{ name: 'p', cleaners: {} } as never] }));
    expect(typo.message).toContain(
      'plugins[0].cleaners: plugin "p" has unknown hook "cleaners" (did you mean "cleaner"?)',
    );
    expect(typo.plugin).toBe('p');
  });
});

describe('configure, then freeze', () => {
  test('config hooks run in order and deep-merge; the result is frozen', async () => {
    const seen: unknown[] = [];
    const { kiln } = await kilnWith({
      model: { layers: 2 },
      plugins: [
        { name: 'one', config: (c) => (seen.push(c.model), { model: { heads: 4 } }) },
        { name: 'two', config: (c) => (seen.push(c.model), { model: { layers: 6 } }) },
        { name: 'zero', enforce: 'pre', config: (c) => void seen.push(c.model) },
      ],
    });
    expect(seen).toEqual([{ layers: 2 }, { layers: 2 }, { layers: 2, heads: 4 }]);
    expect(kiln.config.model).toEqual({ layers: 6, heads: 4 });
    expect(Object.isFrozen(kiln.config)).toBe(true);
    expect(Object.isFrozen(kiln.config.model)).toBe(true);
    expect(() => ((kiln.config.model as Record<string, unknown>).layers = 1)).toThrow(TypeError);
  });

  test('a config hook cannot add plugins, and nothing taps a hook after the freeze', async () => {
    const adder: KilnPlugin = { name: 'adder', config: () => ({ plugins: [{ name: 'sneaky' }] }) as never };
    expect((await configError(kilnWith({ plugins: [adder] }))).message).toMatch(
      /\[adder\] config hook returned "plugins"/,
    );
    const { kiln } = await kilnWith({});
    expect(() => kiln.hooks.cleaner.tap('late', (d) => d)).toThrow(/after the config was frozen/);
  });
});
