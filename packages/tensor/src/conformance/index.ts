/**
 * The backend conformance suite: `describeConformance` defines vitest blocks
 * that run every op of the Backend contract, forward and backward, on random
 * values and odd shapes, on the backend under test and on ReferenceBackend,
 * and compare. Backward kernels start from random (non-zero) gradients, so
 * their accumulate (+=) semantics are checked; every case runs twice, on
 * plain buffers and on offset views with guard elements around them, so
 * ignored offsets and out-of-bounds writes are caught.
 *
 *   import { describeConformance } from '@kiln/tensor/conformance';
 *   describeConformance('wasm', () => createWasmBackend(), { shapes: 'ci' });
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../backend.js';
import { ReferenceBackend } from '../reference/reference-backend.js';
import { allCases } from './cases.js';
import { compare, DEFAULT_TOLERANCES, runCase, type Tolerances } from './harness.js';
import { type ShapeProfile, type ShapeSet, shapeSet } from './shapes.js';

export { allCases } from './cases.js';
// Running one case on one backend (a backend's own tests compare thread counts with it).
export { DEFAULT_TOLERANCES, type HostData, type OpCase, runCase, type Tol, type Tolerances } from './harness.js';
export { type ShapeProfile, type ShapeSet, shapeSet } from './shapes.js';

export interface ConformanceOptions {
  /** Override the f32 tolerances per group (merged with DEFAULT_TOLERANCES). */
  tol?: { exact?: Partial<Tolerances['exact']>; reduce?: Partial<Tolerances['reduce']> };
  /** 'ci' (default), 'gpu' (smaller, for software GPUs), 'full', or a backend's own set (e.g. sizes that cross its block edges). */
  shapes?: ShapeProfile | ShapeSet;
  /** Skip cases whose name contains any of these strings (an op not implemented yet), listed as skipped. */
  skip?: string[];
  /** Seed of the random values (default 1234). */
  seed?: number;
}

export function describeConformance(
  name: string,
  factory: () => Promise<Backend> | Backend,
  options: ConformanceOptions = {},
): void {
  const tol: Tolerances = {
    exact: { ...DEFAULT_TOLERANCES.exact, ...options.tol?.exact },
    reduce: { ...DEFAULT_TOLERANCES.reduce, ...options.tol?.reduce },
  };
  const shapes = typeof options.shapes === 'object' ? options.shapes : shapeSet(options.shapes ?? 'ci');
  const skip = options.skip ?? [];

  describe(`backend conformance: ${name}`, () => {
    let be: Backend;
    let ref: ReferenceBackend;
    beforeAll(async () => {
      be = await factory();
      ref = new ReferenceBackend();
    });
    afterAll(async () => {
      await be?.dispose();
      await ref?.dispose();
    });

    describe('memory', () => {
      it('alloc returns zeros, write/read round-trip with offsets, for f32, i32 and i8', async () => {
        for (const [dtype, data] of [
          ['f32', new Float32Array([1.5, -2, 3.25, 1e-20, -7e10])],
          ['i32', new Int32Array([1, -2, 2147483647, -2147483648, 0])],
          ['i8', new Int8Array([1, -2, 127, -128, 0])],
        ] as const) {
          const buf = be.alloc(dtype, 9);
          expect(Array.from(await be.read(buf)), `${dtype} alloc`).toEqual(new Array(9).fill(0));
          be.write(buf, data, 3);
          expect(Array.from(await be.read(buf, 3, 5)), `${dtype} read`).toEqual(Array.from(data));
          expect(Array.from(await be.read(buf, 0, 3)), `${dtype} untouched`).toEqual([0, 0, 0]);
          be.free(buf);
        }
      });

      it('a buffer taken again from the pool is zero-filled', async () => {
        const a = be.alloc('f32', 37);
        be.fill(a, 5, 37);
        be.free(a);
        const b = be.alloc('f32', 37);
        expect(Array.from(await be.read(b))).toEqual(new Array(37).fill(0));
        be.free(b);
      });
    });

    for (const { group, cases } of allCases(shapes, options.seed)) {
      describe(group, () => {
        cases.forEach((c) => {
          const skipped = skip.some((s) => c.name.includes(s));
          (skipped ? it.skip : it)(c.name, async (test) => {
            // Optional ops (KV-cache attention, quantized matmul) are checked only where implemented.
            if (c.requires && typeof be[c.requires] !== 'function')
              test.skip(`the backend has no optional op '${c.requires}'`);
            // Plain buffers, then offset views with guard elements around them.
            for (const padded of [false, true]) {
              const want = await runCase(ref, c, padded);
              const got = await runCase(be, c, padded);
              const how = padded ? ' (offset view)' : '';
              const problems = c.check
                .map((k) => compare(`${c.name}${how} → ${k}`, got[k], want[k], tol[c.tol], c.allowance?.(k, c.bufs)))
                .filter((p) => p !== null);
              expect(problems, problems.join('\n')).toEqual([]);
            }
          });
        });
      });
    }
  });
}
