import { add, backward, gelu, keep, linear, mulScalar, noGrad, ReferenceBackend, Tensor, tidy } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

const be = new ReferenceBackend();
const param = (xs: number[], shape?: number[]) => Tensor.parameter(keep(Tensor.from(be, xs, shape)), true);

describe('autograd tape', () => {
  it('accumulates gradients across backward calls until zeroed (gradient accumulation)', async () => {
    const w = param([2, -1], [1, 2]);
    const x = Tensor.from(be, [3, 4], [1, 2]);
    const step = () => tidy(() => backward(linear(x, w))); // y = w·x, dy/dw = x
    step();
    expect(Array.from(await w.grad!.toArray())).toEqual([3, 4]);
    step();
    expect(Array.from(await w.grad!.toArray())).toEqual([6, 8]);
    be.fill(w.grad!.view, 0, 2);
    step();
    expect(Array.from(await w.grad!.toArray())).toEqual([3, 4]);
  });

  it('a tensor used twice receives both gradients', async () => {
    const x = param([1, 2]);
    tidy(() => backward(add(x, x), Tensor.from(be, [1, 10])));
    expect(Array.from(await x.grad!.toArray())).toEqual([2, 20]);
  });

  it('noGrad records nothing; backward then explains why it cannot run', () => {
    const x = param([1]);
    const y = noGrad(() => gelu(x));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(() => backward(y)).toThrow(/not produced by recorded ops/);
  });

  it('noGrad restores recording after an async function and after a throw', async () => {
    const x = param([1]);
    await noGrad(async () => undefined);
    expect(gelu(x).requiresGrad).toBe(true);
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(gelu(x).requiresGrad).toBe(true);
  });

  it('intermediate gradients are freed during backward; parameters keep theirs', () => {
    const w = param([1, 2, 3]);
    let h!: Tensor;
    tidy(() => {
      h = gelu(mulScalar(w, 2));
      backward(h, Tensor.from(be, [1, 1, 1]));
      expect(h.grad).toBeNull();
      expect(w.grad).not.toBeNull();
    });
    expect(h.disposed).toBe(true);
    expect(w.disposed).toBe(false);
  });

  it('backward of a non-scalar needs a seed', () => {
    const w = param([1, 2]);
    expect(() => tidy(() => backward(gelu(w)))).toThrow(/pass a seed/);
  });
});

describe('tidy', () => {
  it('disposes what the function created except what it returns, and nests', () => {
    let inner!: Tensor;
    let dropped!: Tensor;
    const kept = tidy(() => {
      dropped = Tensor.zeros(be, [2]);
      inner = tidy(() => {
        Tensor.zeros(be, [3]);
        return Tensor.zeros(be, [4]);
      });
      return { out: inner };
    });
    expect(dropped.disposed).toBe(true);
    expect(inner.disposed).toBe(false);
    expect(kept.out).toBe(inner);
    inner.dispose();
  });

  it('handles async functions and disposes on a throw', async () => {
    let t!: Tensor;
    const r = await tidy(async () => {
      t = Tensor.zeros(be, [1]);
      await new Promise((res) => setTimeout(res, 1));
      return 5;
    });
    expect(r).toBe(5);
    expect(t.disposed).toBe(true);
    expect(() =>
      tidy(() => {
        t = Tensor.zeros(be, [1]);
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(t.disposed).toBe(true);
  });

  it('a disposed tensor refuses to be read', async () => {
    const t = Tensor.zeros(be, [1]);
    t.dispose();
    await expect(t.toArray()).rejects.toThrow(/was disposed/);
  });
});
