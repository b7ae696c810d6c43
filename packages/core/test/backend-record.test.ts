import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKiln, createMemoryLogger, type KilnPlugin } from '../src/index.js';

describe("config.json records the backend 'auto' resolved to", () => {
  it('backendUsed names the backend the stages ran on', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-backend-used-'));
    let used = '';
    const trainer: KilnPlugin = {
      name: 'test:trainer',
      trainer: { name: 'noop', stage: 'train', run: async (_o, ctx) => ((used = (await ctx.backend()).info.name), {}) },
    };
    const kiln = await createKiln({
      cwd: root,
      runDir: join(root, 'run'),
      logger: createMemoryLogger(),
      config: { backend: 'auto', plugins: [trainer], train: { trainer: 'noop' } },
    });
    try {
      await kiln.run(['train']);
    } finally {
      await kiln.close();
    }
    const config = JSON.parse(readFileSync(join(root, 'run/config.json'), 'utf8'));
    expect(config.backend).toBe('auto');
    // 'auto' picks the best available here (native, wasm or webgpu where installed, else js).
    expect(used).not.toBe('');
    expect(config.backendUsed).toMatchObject({ name: used });
  });
});
