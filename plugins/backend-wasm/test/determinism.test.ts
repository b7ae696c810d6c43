// One thread and N threads must give identical bits: every kernel splits its
// work so that no output's arithmetic depends on the split. Runs every
// conformance case (odd shapes, offset views) on both and compares exactly.

import { allCases, runCase, shapeSet } from '@kiln/tensor/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmBackend } from '../src/index.js';

describe('wasm backend: results identical between thread counts', () => {
  let one: WasmBackend;
  let many: WasmBackend;
  beforeAll(async () => {
    one = await WasmBackend.create({ threads: 1, skipWarmup: true });
    many = await WasmBackend.create({ threads: 3, skipWarmup: true });
    many.forceThreads = true;
  });
  afterAll(async () => {
    await one?.dispose();
    await many?.dispose();
  });

  for (const { group, cases } of allCases(shapeSet('ci'), 99)) {
    // Optional ops this backend does not provide (c.requires) are left out.
    const ours = cases.filter(
      (c) =>
        !c.requires || typeof (WasmBackend.prototype as unknown as Record<string, unknown>)[c.requires] === 'function',
    );
    (ours.length ? it : it.skip)(`${group}: 1 thread == 3 threads, bit for bit`, async () => {
      for (const c of ours) {
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
