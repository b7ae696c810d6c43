import type { FloatArray } from '../ref-buf.js';

function checkId(id: number, rows: number, n: number): void {
  if (id < 0 || id >= rows)
    throw new Error(`embedding: id ${id} at position ${n} is outside the table (0..${rows - 1})`);
}

/** out[n,C] = table[ids[n], :]. */
export function embedding(out: FloatArray, table: FloatArray, ids: Int32Array, n: number, C: number): void {
  const rows = Math.floor(table.length / C);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    checkId(id, rows, i);
    out.set(table.subarray(id * C, id * C + C), i * C);
  }
}

/** dtable[ids[n], :] += dout[n,:], in position order, so the result is the same every run. */
export function embeddingBackward(dtable: FloatArray, dout: FloatArray, ids: Int32Array, n: number, C: number): void {
  const rows = Math.floor(dtable.length / C);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    checkId(id, rows, i);
    const t = id * C;
    const d = i * C;
    for (let c = 0; c < C; c++) dtable[t + c] += dout[d + c];
  }
}
