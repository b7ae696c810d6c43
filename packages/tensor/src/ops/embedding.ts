import { gradOf, record } from '../autograd/tape.js';
import { Tensor } from '../tensor.js';
import { expectDtype, sameBackend } from './check.js';

/** out[..., C] = table[ids[...], :]  (ids i32, table [rows, C]). */
export function embedding(ids: Tensor, table: Tensor): Tensor {
  const op = 'embedding';
  expectDtype(op, 'ids', ids, 'i32');
  expectDtype(op, 'table', table, 'f32');
  sameBackend(op, ids, table);
  if (table.shape.length !== 2) throw new Error(`${op}: table must be 2-D, got [${table.shape.join(', ')}]`);
  const C = table.shape[1];
  const n = ids.size;
  const be = table.backend;
  const out = Tensor.zeros(be, [...ids.shape, C]);
  be.embedding(out.view, table.view, ids.view, n, C);
  return record(out, op, [table], (dout) => {
    const dt = gradOf(table);
    if (dt) be.embeddingBackward(dt.view, dout.view, ids.view, n, C);
  });
}
