/**
 * GGUF writing speed per tensor type, on GPT-2-sized matrices (768×3072, 16 of them:
 * 37.7M parameters), written to a temporary directory.
 * Run: npm run bench -- gguf
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type GgufTensor, kv, type TensorType, writeGguf } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-gguf-bench-'));
const rows = 768;
const cols = 3072;
let s = 1;
const data = Float32Array.from(
  { length: rows * cols },
  () => ((s = (s * 48271) % 2147483647) / 2147483647 - 0.5) * 0.1,
);
const rowsOut = [];
for (const type of ['f32', 'f16', 'q8_0'] as TensorType[]) {
  const tensors: GgufTensor[] = Array.from({ length: 16 }, (_, i) => ({
    name: `blk.${i}.ffn_up.weight`,
    shape: [rows, cols],
    type,
    data,
  }));
  const params = tensors.length * rows * cols;
  const t0 = performance.now();
  const bytes = await writeGguf(join(dir, `${type}.gguf`), {
    metadata: { 'general.architecture': kv.string('bench') },
    tensors,
  });
  const seconds = (performance.now() - t0) / 1000;
  rowsOut.push({
    type,
    params,
    megabytes: +(bytes / 1e6).toFixed(1),
    bytesPerParam: +(bytes / params).toFixed(3),
    seconds: +seconds.toFixed(2),
    mParamsPerSecond: +(params / seconds / 1e6).toFixed(1),
  });
}
rmSync(dir, { recursive: true, force: true });
console.table(rowsOut);
mkdirSync('bench-results', { recursive: true });
writeFileSync(
  'bench-results/gguf.json',
  JSON.stringify({ name: 'gguf', node: process.version, rows: rowsOut }, null, 2),
);
