import { ARITY, KERNELS, tableMismatch } from '@kiln/backend-wasm';
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../src/addon.js';

describe('the kernel table', () => {
  it('is the same in the addon as in kernels.ts: names and arities by dispatch id', () => {
    const loaded = loadAddon();
    if ('problem' in loaded) throw new Error(loaded.problem);
    expect(loaded.info.kernels).toEqual(KERNELS);
    expect(loaded.info.arity).toEqual(ARITY);
    expect(tableMismatch(loaded.info.kernels, loaded.info.arity)).toBeUndefined();
  });

  it('names what differs: a renumbered kernel, a changed arity, a missing kernel', () => {
    const swapped = [...KERNELS];
    [swapped[3], swapped[4]] = [swapped[4], swapped[3]];
    expect(tableMismatch(swapped, ARITY)).toBe(`kernel 3 is ${KERNELS[4]} there, ${KERNELS[3]} here`);
    const arity = [...ARITY];
    arity[0] += 1;
    expect(tableMismatch(KERNELS, arity)).toBe(`${KERNELS[0]} takes ${ARITY[0] + 1} arguments there, ${ARITY[0]} here`);
    expect(tableMismatch(KERNELS.slice(0, -1), ARITY)).toMatch(/is missing there/);
    expect(tableMismatch(KERNELS, undefined)).toMatch(/takes \? arguments there/);
  });
});
