/** 'auto' ranks webgpu > native > wasm and says in one line why it passed over a backend above the one it took. */

import type { Backend } from '@kiln/tensor';
import { describe, expect, test } from 'vitest';
import { type ModuleImporter, resolveBackend } from '../src/backend/resolve-backend.js';
import type { BackendProvider, KilnPlugin } from '../src/index.js';
import { kilnWith } from './helpers.js';

const fake = (name: string) => ({ info: { name, device: `fake ${name}` } }) as unknown as Backend;
const provider = (name: string, priority: number, available: true | string): BackendProvider => ({
  name,
  priority,
  available: async () => available,
  create: async () => fake(name),
});
const notInstalled: ModuleImporter = async (specifier) => {
  throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
};

describe("backend 'auto'", () => {
  test('takes native over wasm when it loads, silently', async () => {
    const plugins: KilnPlugin[] = [
      { name: 'cpu-wasm', backend: provider('wasm', 50, true) },
      { name: 'cpu-native', backend: provider('native', 75, true) },
    ];
    const { kiln, logger } = await kilnWith({ backend: 'auto', plugins });
    expect((await resolveBackend(kiln.hooks, kiln.context(), notInstalled)).info.name).toBe('native');
    expect(logger.records.some((r) => r.message.startsWith("backend 'auto': using"))).toBe(false);
  });

  test('falls back to wasm when the native addon does not load, with one line saying why', async () => {
    const plugins: KilnPlugin[] = [
      { name: 'gpu', backend: provider('webgpu', 100, 'only a software adapter') },
      {
        name: 'cpu-native',
        backend: provider('native', 75, 'the addon kiln-kernels.linux-x64-gnu.node failed to load: bad ELF'),
      },
      { name: 'cpu-wasm', backend: provider('wasm', 50, true) },
    ];
    const { kiln, logger } = await kilnWith({ backend: 'auto', plugins });
    expect((await resolveBackend(kiln.hooks, kiln.context(), notInstalled)).info.name).toBe('wasm');
    const lines = logger.records.filter((r) => r.message.startsWith("backend 'auto': using"));
    expect(lines.map((r) => r.message)).toEqual([
      "backend 'auto': using wasm (webgpu: only a software adapter; native: the addon kiln-kernels.linux-x64-gnu.node failed to load: bad ELF)",
    ]);
  });
});
