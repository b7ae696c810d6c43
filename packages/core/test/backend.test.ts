/** Backend resolution: by name, 'auto' by priority among available providers, optional packages. */

import { type Backend, ReferenceBackend } from '@kiln/tensor';
import { describe, expect, test } from 'vitest';
import { type ModuleImporter, resolveBackend } from '../src/backend/resolve-backend.js';
import { type BackendProvider, ConfigError, type KilnPlugin } from '../src/index.js';
import { kilnWith } from './helpers.js';

const fakeBackend = (name: string) => ({ info: { name, device: `fake ${name}` } }) as unknown as Backend;

function provider(name: string, priority: number, available: true | string): BackendProvider {
  return { name, priority, available: async () => available, create: async () => fakeBackend(name) };
}

const notInstalled: ModuleImporter = async (specifier) => {
  throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
};

async function resolveWith(backend: string, plugins: KilnPlugin[], importer: ModuleImporter = notInstalled) {
  const { kiln } = await kilnWith({ backend, plugins });
  return resolveBackend(kiln.hooks, kiln.context(), importer);
}

describe('backend resolution', () => {
  test("'js' is the built-in ReferenceBackend, created once per run", async () => {
    const { kiln } = await kilnWith({ backend: 'js' });
    const ctx = kiln.context();
    const backend = await ctx.backend();
    expect(backend).toBeInstanceOf(ReferenceBackend);
    expect(await ctx.backend()).toBe(backend);
  });

  test("'auto' takes the highest-priority available provider", async () => {
    const plugins: KilnPlugin[] = [
      { name: 'gpu', backend: provider('webgpu', 100, 'no adapter') },
      { name: 'cpu', backend: provider('wasm', 50, true) },
    ];
    expect((await resolveWith('auto', plugins)).info.name).toBe('wasm');
    expect((await resolveWith('auto', [])).info.name).toBe('js');
  });

  test('a named backend: plugin first, then the optional package, else an error naming the package', async () => {
    expect((await resolveWith('wasm', [{ name: 'cpu', backend: provider('wasm', 50, true) }])).info.name).toBe('wasm');
    const installed: ModuleImporter = async (specifier) => ({
      default: (options: unknown) => ({ name: specifier, backend: provider('wasm', 50, true), options }),
    });
    expect((await resolveWith('wasm', [], installed)).info.name).toBe('wasm');
    const error = await resolveWith('wasm', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      "backend 'wasm' needs the package @kiln/backend-wasm: npm install @kiln/backend-wasm (or add a plugin providing it)",
    );
    // A name nothing provides fails when the config loads, before any stage (config/preflight.ts).
    await expect(kilnWith({ backend: 'tpu' })).rejects.toThrow(
      /backend: no installed backend is named "tpu"; installed backends: js \(kiln:backend-js\), /,
    );
    await expect(kilnWith({ backend: 'wasmm' })).rejects.toThrow(
      'backend: no installed backend is named "wasmm" (did you mean "wasm"?)',
    );
    await expect(
      resolveWith('webgpu', [{ name: 'gpu', backend: provider('webgpu', 100, 'no adapter') }]),
    ).rejects.toThrow("backend 'webgpu' is not available here: no adapter");
  });

  test("a provider's failure names its plugin", async () => {
    const broken: BackendProvider = {
      ...provider('wasm', 50, true),
      create: async () => {
        throw new Error('no memory');
      },
    };
    await expect(resolveWith('wasm', [{ name: 'kiln-plugin-cpu', backend: broken }])).rejects.toThrow(
      '[kiln-plugin-cpu] backend.create "wasm" failed: no memory',
    );
  });
});

test('close() disposes the backend the run created', async () => {
  let disposed = 0;
  const backend = {
    info: { name: 'fake', device: 'fake' },
    dispose: async () => void disposed++,
  } as unknown as Backend;
  const plugin: KilnPlugin = {
    name: 'fake-backend',
    backend: { name: 'fake', priority: 1, available: async () => true, create: async () => backend },
  };
  const { kiln } = await kilnWith({ backend: 'fake', plugins: [plugin] });
  await kiln.close(); // nothing created yet: nothing to dispose
  expect(disposed).toBe(0);
  const { kiln: used } = await kilnWith({ backend: 'fake', plugins: [plugin] });
  expect(await used.context().backend()).toBe(backend);
  await used.close();
  expect(disposed).toBe(1);
});
