import { type BufView, ReferenceBackend } from '@kiln/tensor';
import { allCases, DEFAULT_TOLERANCES, shapeSet } from '@kiln/tensor/conformance';
import { describe, expect, it } from 'vitest';
import { compare, runCase } from '../src/conformance/harness.js';

/** Run every case on a mutant backend; return the names of the cases that caught it. */
async function caught(mutant: ReferenceBackend): Promise<string[]> {
  const ref = new ReferenceBackend();
  const failed: string[] = [];
  for (const { cases } of allCases(shapeSet('gpu'))) {
    for (const c of cases) {
      try {
        for (const padded of [false, true]) {
          const want = await runCase(ref, c, padded);
          const got = await runCase(mutant, c, padded);
          if (c.check.some((k) => compare(k, got[k], want[k], DEFAULT_TOLERANCES[c.tol]) !== null))
            throw new Error('mismatch');
        }
      } catch {
        failed.push(c.name);
      }
    }
  }
  return failed;
}

// Each mutant is a plausible backend bug; the suite must flag it.
describe('the conformance suite catches broken backends', () => {
  it('a backward kernel that overwrites instead of accumulating', async () => {
    const m = new ReferenceBackend();
    const orig = m.layernormBackward.bind(m);
    m.layernormBackward = (dx, dw, db, ...rest) => {
      for (const [v, n] of [
        [dx, (rest[rest.length - 2] as number) * (rest[rest.length - 1] as number)],
        [dw, rest[rest.length - 1] as number],
      ] as const)
        m.fill(v as BufView, 0, n);
      orig(dx, dw, db, ...rest);
    };
    expect((await caught(m)).filter((n) => n.startsWith('layernormBackward')).length).toBeGreaterThan(0);
  });

  it('a matmul that ignores accumulate', async () => {
    const m = new ReferenceBackend();
    const orig = m.matmul.bind(m);
    m.matmul = (a) => orig({ ...a, accumulate: false });
    expect((await caught(m)).some((n) => n.includes('accumulate=true'))).toBe(true);
  });

  it('a kernel that ignores the view offset', async () => {
    const m = new ReferenceBackend();
    const orig = m.gelu.bind(m);
    const base = (v: BufView) => ('buf' in v ? v.buf : v);
    m.gelu = (out, x, n) => orig(base(out), x, n);
    expect((await caught(m)).some((n) => n.startsWith('gelu '))).toBe(true);
  });

  it('an attention that forgets the causal mask, and one with a slightly wrong scale', async () => {
    const m = new ReferenceBackend();
    const orig = m.attention.bind(m);
    m.attention = (a) => orig({ ...a, causal: false });
    expect((await caught(m)).some((n) => n.startsWith('attention ') && n.includes('causal'))).toBe(true);
    const m2 = new ReferenceBackend();
    const orig2 = m2.attention.bind(m2);
    m2.attention = (a) => orig2({ ...a, scale: (a.scale ?? 1 / Math.sqrt(a.D)) * 1.001 });
    expect((await caught(m2)).some((n) => n.startsWith('attention '))).toBe(true);
  });

  it('a cross-entropy that does not skip ignoreIndex rows', async () => {
    const m = new ReferenceBackend();
    const orig = m.crossEntropyBackward.bind(m);
    m.crossEntropyBackward = (dl, lg, tg, dloss, N, V) => orig(dl, lg, tg, dloss, N, V, -12345);
    expect((await caught(m)).some((n) => n.startsWith('crossEntropyBackward'))).toBe(true);
  });

  it('the reference itself passes every case', async () => {
    expect(await caught(new ReferenceBackend())).toEqual([]);
  });
});
