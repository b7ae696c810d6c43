/**
 * The line `kiln generate` and `kiln serve` log about the model they load: its folder, its
 * weights (the run's latest model is the compress stage's int8 one when there is one, while
 * the exports come from the f32 model) and why it was chosen.
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

async function weightsOf(dir: string): Promise<string> {
  let config: { quantization_config?: { weights?: Record<string, { bits?: number }> } };
  try {
    config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  } catch {
    return 'weights of an unknown type';
  }
  const bits = [...new Set(Object.values(config.quantization_config?.weights ?? {}).map((w) => w.bits))];
  return bits.length ? `${bits.map((b) => `int${b}`).join('/')} weights` : 'f32 weights';
}

/** e.g. "runs/x/compress/model (int8 weights; the run's latest model in state.json, --model picks another)". */
export async function describeModelDir(dir: string, named: boolean, cwd: string): Promise<string> {
  const why = named ? '--model' : "the run's latest model in state.json, --model picks another";
  return `${relative(cwd, dir) || '.'} (${await weightsOf(dir)}; ${why})`;
}
