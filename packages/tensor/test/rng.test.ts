import { createRng } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

describe('createRng (xoshiro128**)', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('state/restore resumes the exact stream', () => {
    const r = createRng(7);
    for (let i = 0; i < 10; i++) r.next();
    const s = r.state();
    const ahead = [r.next(), r.normal(), r.int(1000)];
    const r2 = createRng(999);
    r2.restore(JSON.parse(JSON.stringify(s)));
    expect([r2.next(), r2.normal(), r2.int(1000)]).toEqual(ahead);
    expect(() => r2.restore([1, 2])).toThrow(/5 u32 numbers/);
  });

  it('fork depends on the seed and the label, not on how much was drawn', () => {
    const r = createRng(5);
    const f1 = r.fork('init').next();
    r.next();
    expect(r.fork('init').next()).toBe(f1);
    expect(r.fork('data').next()).not.toBe(f1);
    expect(createRng(6).fork('init').next()).not.toBe(f1);
  });

  it('has the right moments: uniform mean 1/2, normal mean 0 / variance 1, int in range', () => {
    const r = createRng(1);
    const n = 100_000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(Math.abs(su / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sn / n)).toBeLessThan(0.015);
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(0.02);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 7000; i++) counts[r.int(7)]++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });

  it('accepts any finite seed and refuses NaN', () => {
    expect(createRng(1.5).next()).not.toBe(createRng(2.5).next());
    expect(createRng(2 ** 40).next()).toBeTypeOf('number');
    expect(() => createRng(NaN)).toThrow(/finite/);
  });
});
