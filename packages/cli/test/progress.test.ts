/** Progress bars render label, counts and fields on a terminal stream. */
import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { createTtyProgress } from '../src/progress.js';

test('bars show label, bar with total, count without, and fields', () => {
  const stream = Object.assign(new PassThrough(), {
    isTTY: true,
    columns: 120,
    cursorTo() {},
    clearLine() {},
    moveCursor() {},
  });
  let out = '';
  stream.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const progress = createTtyProgress(stream);
  const train = progress('train', 100);
  train.update(50, { loss: 2.3456789, 'tok/s': 1200 });
  const data = progress('data', 0);
  data.increment(3, { kept: 2 });
  train.stop();
  data.stop();
  progress.stopAll();
  expect(out).toMatch(/train \S+ 50% eta \S+ 50\/100 loss=2\.346 tok\/s=1200/);
  expect(out).toMatch(/data 3 kept=2/);
});
