// One thread and N threads must give identical bits on the native backend
// too: the Rust pool splits units exactly as the wasm one, and no kernel's
// arithmetic depends on the split. Every conformance case, compared exactly.

import { allCases, runCase, shapeSet } from '@kiln/tensor/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeBackend } from '../src/index.js';

describe('native backend: results identical between thread counts', () => {
  let one: NativeBackend;
  let many: NativeBackend;
  beforeAll(async () => {
    one = await NativeBackend.create({ threads: 1 });
    many = await NativeBackend.create({ threads: 3 });
    many.forceThreads = true;
  });
  afterAll(async () => {
    await one?.dispose();
    await many?.dispose();
  });

  for (const { group, cases } of allCases(shapeSet('ci'), 99)) {
    it(`${group}: 1 thread == 3 threads, bit for bit`, async () => {
      for (const c of cases) {
        const a = await runCase(one, c, true);
        const b = await runCase(many, c, true);
        for (const k of c.check) {
          const differs = a[k].findIndex((v, i) => !Object.is(v, b[k][i]));
          expect(differs, `${c.name} → ${k}: element ${differs} differs (${a[k][differs]} vs ${b[k][differs]})`).toBe(
            -1,
          );
        }
      }
    });
  }
});
