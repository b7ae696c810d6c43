import type { FloatArray } from '../ref-buf.js';

const GELU_SCALE = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (GPT-2's gelu_new). */
export function gelu(out: FloatArray, x: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = 0.5 * v * (1 + Math.tanh(GELU_SCALE * (v + 0.044715 * v * v * v)));
  }
}

export function geluBackward(dx: FloatArray, dout: FloatArray, x: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const u = GELU_SCALE * (v + 0.044715 * v * v * v);
    const th = Math.tanh(u);
    const sech2 = 1 - th * th;
    const grad = 0.5 * (1 + th) + 0.5 * v * sech2 * GELU_SCALE * (1 + 3 * 0.044715 * v * v);
    dx[i] += grad * dout[i];
  }
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** x is [N, 2F] = [gate | up] per row; out[N,F] = silu(gate) * up. */
export function swiglu(out: FloatArray, x: FloatArray, N: number, F: number): void {
  for (let n = 0; n < N; n++) {
    for (let f = 0; f < F; f++) {
      const g = x[n * 2 * F + f];
      const u = x[n * 2 * F + F + f];
      out[n * F + f] = g * sigmoid(g) * u;
    }
  }
}

export function swigluBackward(dx: FloatArray, dout: FloatArray, x: FloatArray, N: number, F: number): void {
  for (let n = 0; n < N; n++) {
    for (let f = 0; f < F; f++) {
      const gi = n * 2 * F + f;
      const ui = gi + F;
      const g = x[gi];
      const u = x[ui];
      const sg = sigmoid(g);
      const d = dout[n * F + f];
      dx[gi] += d * u * sg * (1 + g * (1 - sg));
      dx[ui] += d * g * sg;
    }
  }
}

export function add(out: FloatArray, a: FloatArray, b: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}

export function axpy(y: FloatArray, x: FloatArray, alpha: number, n: number): void {
  for (let i = 0; i < n; i++) y[i] += alpha * x[i];
}

export function scale(x: FloatArray, alpha: number, n: number): void {
  for (let i = 0; i < n; i++) x[i] *= alpha;
}
