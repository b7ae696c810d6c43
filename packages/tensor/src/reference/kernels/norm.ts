import type { FloatArray } from '../ref-buf.js';

/** LayerNorm forward (llm.c): out[N,C] = (x - mean) * rstd * w + b; saves mean[N] and rstd[N]. */
export function layernorm(
  out: FloatArray,
  mean: FloatArray,
  rstd: FloatArray,
  x: FloatArray,
  w: FloatArray,
  b: FloatArray | null,
  N: number,
  C: number,
  eps: number,
): void {
  for (let n = 0; n < N; n++) {
    const row = n * C;
    let m = 0;
    for (let c = 0; c < C; c++) m += x[row + c];
    m /= C;
    let v = 0;
    for (let c = 0; c < C; c++) {
      const d = x[row + c] - m;
      v += d * d;
    }
    v /= C; // biased variance, as PyTorch's LayerNorm
    const r = 1 / Math.sqrt(v + eps);
    for (let c = 0; c < C; c++) {
      const y = (x[row + c] - m) * r * w[c];
      out[row + c] = b ? y + b[c] : y;
    }
    mean[n] = m;
    rstd[n] = r;
  }
}

/** LayerNorm backward; accumulates into dx[N,C], dw[C] and db[C]. */
export function layernormBackward(
  dx: FloatArray,
  dw: FloatArray,
  db: FloatArray | null,
  dout: FloatArray,
  x: FloatArray,
  w: FloatArray,
  mean: FloatArray,
  rstd: FloatArray,
  N: number,
  C: number,
): void {
  const dwAcc = new Float64Array(C);
  const dbAcc = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    const row = n * C;
    const m = mean[n];
    const r = rstd[n];
    // Two reductions: mean(dnorm) and mean(dnorm * norm), where dnorm = w * dout.
    let dnormMean = 0;
    let dnormNormMean = 0;
    for (let c = 0; c < C; c++) {
      const norm = (x[row + c] - m) * r;
      const dnorm = w[c] * dout[row + c];
      dnormMean += dnorm;
      dnormNormMean += dnorm * norm;
    }
    dnormMean /= C;
    dnormNormMean /= C;
    for (let c = 0; c < C; c++) {
      const norm = (x[row + c] - m) * r;
      const g = dout[row + c];
      dbAcc[c] += g;
      dwAcc[c] += norm * g;
      dx[row + c] += (w[c] * g - dnormMean - norm * dnormNormMean) * r;
    }
  }
  for (let c = 0; c < C; c++) {
    dw[c] += dwAcc[c];
    if (db) db[c] += dbAcc[c];
  }
}

/** RMSNorm forward: out[N,C] = x * rstd * w with rstd = 1/sqrt(mean(x²) + eps); saves rstd[N]. */
export function rmsnorm(
  out: FloatArray,
  rstd: FloatArray,
  x: FloatArray,
  w: FloatArray,
  N: number,
  C: number,
  eps: number,
): void {
  for (let n = 0; n < N; n++) {
    const row = n * C;
    let ss = 0;
    for (let c = 0; c < C; c++) ss += x[row + c] * x[row + c];
    const r = 1 / Math.sqrt(ss / C + eps);
    for (let c = 0; c < C; c++) out[row + c] = x[row + c] * r * w[c];
    rstd[n] = r;
  }
}

/** RMSNorm backward: dx += r·g − x·r³·mean(g·x) with g = w·dout; dw += x·r·dout. */
export function rmsnormBackward(
  dx: FloatArray,
  dw: FloatArray,
  dout: FloatArray,
  x: FloatArray,
  w: FloatArray,
  rstd: FloatArray,
  N: number,
  C: number,
): void {
  const dwAcc = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    const row = n * C;
    const r = rstd[n];
    let gx = 0;
    for (let c = 0; c < C; c++) gx += w[c] * dout[row + c] * x[row + c];
    const k = (gx / C) * r * r * r;
    for (let c = 0; c < C; c++) {
      const xi = x[row + c];
      dx[row + c] += w[c] * dout[row + c] * r - xi * k;
      dwAcc[c] += xi * r * dout[row + c];
    }
  }
  for (let c = 0; c < C; c++) dw[c] += dwAcc[c];
}
