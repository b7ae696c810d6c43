/**
 * backendOptions, a backend's one door: its `options` schema checks them when the config loads
 * (did-you-mean included), and under 'auto' each installed backend gets the keys it declares.
 */
import { ReferenceBackend } from '@kiln/tensor';
import { describe, expect, test } from 'vitest';
import { kilnWith } from './helpers.js';

describe('backendOptions', () => {
  test("the named backend's schema checks them before anything runs, with a did-you-mean", async () => {
    const typo = await kilnWith({ backend: 'js', backendOptions: { precison: 'f64' } }).catch((e: unknown) => e);
    expect(String(typo)).toContain(
      'backendOptions.precison: unknown field (did you mean "precision"?) [plugin kiln:backend-js]',
    );
    const wrong = await kilnWith({ backend: 'js', backendOptions: { precision: 'f16' } }).catch((e: unknown) => e);
    expect(String(wrong)).toMatch(/backendOptions\.precision: .*"f32"\|"f64".* \[plugin kiln:backend-js\]/);
    const threads = await kilnWith({ backend: 'native', backendOptions: { threads: 0 } }).catch((e: unknown) => e);
    expect(String(threads)).toMatch(/backendOptions\.threads: .* \[plugin kiln:backend-native\]/);
  });

  test('the backend receives them checked', async () => {
    const { kiln } = await kilnWith({ backend: 'js', backendOptions: { precision: 'f64' } });
    const backend = (await kiln.context().backend()) as ReferenceBackend;
    expect(backend).toBeInstanceOf(ReferenceBackend);
    expect(backend.alloc('f32', 2).data).toBeInstanceOf(Float64Array);
    await kiln.close();
  });

  test("under 'auto' a key no installed backend reads is refused; each backend gets its own keys", async () => {
    const error = await kilnWith({ backendOptions: { thread: 2 } }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/backendOptions\.thread: no installed backend reads it \(did you mean "threads"\?\)/);
    // threads is native's and wasm's, not js's (whose schema would refuse it): the one picked gets it.
    const { kiln } = await kilnWith({ backendOptions: { threads: 1 } });
    const backend = await kiln.context().backend();
    expect(['native', 'wasm']).toContain(backend.info.name);
    expect(backend.info.threads).toBe(1);
    await kiln.close();
  });
});
