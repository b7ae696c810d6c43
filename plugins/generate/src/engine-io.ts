/**
 * Saving and loading a (possibly quantized) GPT-2 engine. The directory is
 * Hugging Face's GPT-2 layout (config.json + model.safetensors) with
 * quantized matrices stored as they sit in memory: `<name>` holds the i8
 * levels ([out, in], or [out, in/2] packed int4), `<name>.scales` the f32
 * group scales ([out, in/group]), and config.json's `quantization_config`
 * (quant_method 'kiln-groupwise') says which matrices are quantized and how.
 * Loaders that do not know the method refuse the I8 tensors instead of
 * misreading them.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors, writeFileAtomic, writeSafetensors, type Backend, type SafeTensor } from '@kiln/tensor';
import { fromHFConfig, toHFConfig } from '@kiln/gpt2';
import { Gpt2Engine, linearNames } from './gpt2-engine.js';
import { uploadQuantized } from './weights.js';

export const QUANT_METHOD = 'kiln-groupwise';
const WRITER = 'kiln:generate@0.1.0';

interface QuantEntry {
  bits: 4 | 8;
  group: number;
}

export async function saveEngine(engine: Gpt2Engine, dir: string): Promise<string[]> {
  const be = engine.backend;
  const tensors = new Map<string, { shape: number[]; data: SafeTensor['data'] }>();
  const quantized: Record<string, QuantEntry> = {};
  const read = async (view: import('@kiln/tensor').BufView, n: number) =>
    Float32Array.from((await be.read('buf' in view ? view.buf : view, 'buf' in view ? view.offset : 0, n)) as Float32Array);
  for (const [name, w] of engine.linear) {
    if (w.kind === 'dense') {
      const shape = w.layout === 'in-out' ? [w.inFeatures, w.outFeatures] : [w.outFeatures, w.inFeatures];
      tensors.set(name, { shape, data: await read(w.w, w.inFeatures * w.outFeatures) });
    } else {
      const { bits, group, data, scales } = w.host;
      quantized[name] = { bits, group };
      tensors.set(name, { shape: [w.outFeatures, bits === 8 ? w.inFeatures : w.inFeatures / 2], data });
      tensors.set(`${name}.scales`, { shape: [w.outFeatures, w.inFeatures / group], data: scales });
    }
  }
  for (const [name, d] of engine.dense) tensors.set(name, { shape: [d.size], data: await read(d.view, d.size) });
  // Dense vectors are saved flat; their HF shapes are 1-D except wpe, which is [positions, C].
  const wpe = tensors.get('transformer.wpe.weight');
  if (wpe) wpe.shape = [engine.config.nPositions, engine.config.nEmbd];
  await mkdir(dir, { recursive: true });
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt', writer: WRITER });
  const c = engine.config;
  const config = {
    ...toHFConfig(c, WRITER),
    ...(Object.keys(quantized).length > 0 && { quantization_config: { quant_method: QUANT_METHOD, version: 1, weights: quantized } }),
  };
  await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  return ['model.safetensors', 'config.json'];
}

/** True when dir holds a model saved with quantized matrices by saveEngine. */
export async function isQuantizedDir(dir: string): Promise<boolean> {
  try {
    const json = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { quantization_config?: { quant_method?: string } };
    return json.quantization_config?.quant_method === QUANT_METHOD;
  } catch {
    return false;
  }
}

export async function loadEngine(dir: string, backend: Backend): Promise<Gpt2Engine> {
  const configPath = join(dir, 'config.json');
  const json = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown> & { quantization_config?: { weights?: Record<string, QuantEntry> } };
  const c = fromHFConfig(json, configPath);
  const engine = new Gpt2Engine(backend, c);
  const weightsPath = join(dir, 'model.safetensors');
  const file = await readSafetensors(weightsPath);
  const quant = json.quantization_config?.weights ?? {};
  const upload = (name: string) => {
    const t = file.tensors.get(name);
    if (!t || !(t.data instanceof Float32Array)) throw new Error(`${weightsPath}: missing f32 tensor '${name}'`);
    const buf = backend.alloc('f32', t.data.length);
    backend.write(buf, t.data);
    return { buf, n: t.data.length, shape: t.shape };
  };
  const matrices = new Set(linearNames(c.nLayer));
  for (const name of file.tensors.keys()) {
    if (matrices.has(name) || name.endsWith('.scales') || name === 'lm_head.weight' || /\.attn\.(masked_)?bias$/.test(name)) continue;
    const { buf, n } = upload(name);
    engine.dense.set(name, { view: buf, size: n });
  }
  for (const name of matrices) {
    const tied = name === 'transformer.wte.weight';
    const bias = tied ? null : (engine.dense.get(name.replace(/weight$/, 'bias'))?.view ?? null);
    const q = quant[name];
    if (q) {
      const data = file.tensors.get(name)?.data;
      const scales = file.tensors.get(`${name}.scales`);
      if (!(data instanceof Int8Array) || !scales || !(scales.data instanceof Float32Array)) throw new Error(`${weightsPath}: '${name}' is listed as quantized but its I8 data or F32 scales are missing`);
      const [outF, stored] = file.tensors.get(name)!.shape;
      const inF = q.bits === 8 ? stored : stored * 2;
      engine.linear.set(name, uploadQuantized(backend, { bits: q.bits, group: q.group, data, scales: scales.data }, outF, inF, bias));
    } else {
      const { buf, shape } = upload(name);
      const [inFeatures, outFeatures] = tied ? [shape[1], shape[0]] : [shape[0], shape[1]];
      engine.linear.set(name, { kind: 'dense', w: buf, layout: tied ? 'out-in' : 'in-out', inFeatures, outFeatures, bias });
    }
  }
  return engine;
}
