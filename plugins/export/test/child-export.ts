// Child process for kill-leftovers.test.ts: exports one GPT-2 over and over (Hugging Face layout, then
// GGUF f32) into argv[2], printing a line per round, until the parent kills it with SIGKILL.
import { exportContext, exportModel } from './export-fixture.js';

const [outDir] = process.argv.slice(2);
const { ctx, model } = await exportContext();
for (let round = 0; ; round++) {
  await exportModel(model, outDir, ctx);
  process.stdout.write(`round ${round}\n`);
}
