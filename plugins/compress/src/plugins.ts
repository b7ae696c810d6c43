/**
 * Compressor plugins (the `compress` hook: sequential, each receives the
 * previous one's model). Prune first, then quantize:
 *
 *   plugins: [prune({ pattern: '2:4' }), quantize({ bits: 4, group: 32, measure: { file: 'val.txt' } })]
 */
import type { KilnContext, KilnPlugin } from '@kiln/core';
import { isQuantizedDir, loadEngine, toEngine, uploadQuantized, type Gpt2Engine } from '@kiln/generate';
import type { ArchitectureProvider } from '@kiln/core';
import { measureIds, perplexityOf, record, type MeasureOptions } from './measure.js';
import { pruneNM, pruneUnstructured } from './prune.js';
import { quantizeMatrix, transpose } from './quantize.js';

const VERSION = '0.1.0';

/** A dense matrix as [out, in] on the host. */
async function readOutIn(engine: Gpt2Engine, name: string): Promise<Float32Array> {
  const w = engine.linear.get(name)!;
  if (w.kind !== 'dense') throw new Error(`weight '${name}' is already quantized: prune before quantizing`);
  const v = w.w;
  const data = (await engine.backend.read('buf' in v ? v.buf : v, 'buf' in v ? v.offset : 0, w.inFeatures * w.outFeatures)) as Float32Array;
  return w.layout === 'in-out' ? transpose(data, w.inFeatures, w.outFeatures) : Float32Array.from(data);
}

function selected(engine: Gpt2Engine, skip: readonly string[]): string[] {
  return [...engine.linear.keys()].filter((n) => !skip.some((s) => n.includes(s)));
}

export interface PruneOptions {
  /** Fraction of each matrix to zero (unstructured; default 0.5). */
  sparsity?: number;
  /** 'unstructured' (default) or 'N:M', e.g. '2:4'. */
  pattern?: string;
  /** Weight names containing any of these are left alone (default: the tied embedding). */
  skip?: string[];
  measure?: MeasureOptions;
}

export function prune(options: PruneOptions = {}): KilnPlugin {
  const pattern = options.pattern ?? 'unstructured';
  const nm = /^(\d+):(\d+)$/.exec(pattern);
  if (pattern !== 'unstructured' && !nm) throw new Error(`kiln:prune: pattern must be 'unstructured' or 'N:M' (e.g. '2:4'), got '${pattern}'`);
  const sparsity = options.sparsity ?? 0.5;
  if (!(sparsity >= 0 && sparsity < 1)) throw new Error(`kiln:prune: sparsity must be in [0, 1), got ${sparsity}`);
  const skip = options.skip ?? ['wte'];
  return {
    name: 'kiln:prune',
    version: VERSION,
    compressor: {
      name: 'prune',
      async compress(model: unknown, ctx: KilnContext) {
        const engine = toEngine(model, 'kiln:prune');
        const ids = await measureIds(options.measure, ctx);
        const pplBefore = await perplexityOf(engine, ids);
        let zeroed = 0;
        let total = 0;
        for (const name of selected(engine, skip)) {
          const w = engine.linear.get(name)!;
          const data = await readOutIn(engine, name);
          zeroed += nm ? pruneNM(data, w.inFeatures, Number(nm[1]), Number(nm[2])) : pruneUnstructured(data, sparsity);
          total += data.length;
          if (w.kind !== 'dense') continue;
          const back = w.layout === 'in-out' ? transpose(data, w.outFeatures, w.inFeatures) : data;
          const v = w.w;
          engine.backend.write('buf' in v ? v.buf : v, back, 'buf' in v ? v.offset : 0);
        }
        const pplAfter = await perplexityOf(engine, ids);
        // Zeros are stored densely: the size does not change until a sparse format or a quantizer follows.
        const bytes = engine.bytes();
        await record(ctx, {
          compressor: 'prune', settings: { pattern, ...(nm ? {} : { sparsity }), skip }, bytesBefore: bytes, bytesAfter: bytes, ratio: 1,
          sparsity: zeroed / total,
          ...(pplBefore !== undefined && { pplBefore, pplAfter, pplChange: pplAfter! / pplBefore - 1 }),
        });
        return model;
      },
    },
  };
}

export interface QuantizePluginOptions {
  /** 8 (default) or 4. */
  bits?: 4 | 8;
  /** Weights per scale: 32 or 64 are usual (default 32). */
  group?: number;
  /** Weight names containing any of these stay f32 (default none: the tied embedding is quantized too). */
  skip?: string[];
  measure?: MeasureOptions;
}

export function quantize(options: QuantizePluginOptions = {}): KilnPlugin {
  const bits = options.bits ?? 8;
  const group = options.group ?? 32;
  if (bits !== 4 && bits !== 8) throw new Error(`kiln:quantize: bits must be 4 or 8, got ${String(bits)}`);
  if (!(Number.isInteger(group) && group >= 2 && group % 2 === 0)) throw new Error(`kiln:quantize: group must be an even integer >= 2, got ${group}`);
  const skip = options.skip ?? [];
  return {
    name: 'kiln:quantize',
    version: VERSION,
    compressor: {
      name: `int${bits}`,
      async compress(model: unknown, ctx: KilnContext) {
        const engine = toEngine(model, 'kiln:quantize');
        const ids = await measureIds(options.measure, ctx);
        const pplBefore = await perplexityOf(engine, ids);
        const bytesBefore = engine.bytes();
        for (const name of selected(engine, skip)) {
          const w = engine.linear.get(name)!;
          if (w.kind !== 'dense') throw new Error(`kiln:quantize: '${name}' is already quantized (int${w.host.bits}); quantize once`);
          if (w.inFeatures % group !== 0) {
            ctx.logger.warn(`kiln:quantize: '${name}' keeps f32: its input dimension ${w.inFeatures} is not a multiple of ${group}`);
            continue;
          }
          const host = quantizeMatrix(await readOutIn(engine, name), w.outFeatures, w.inFeatures, { bits, group });
          engine.replaceLinear(name, uploadQuantized(engine.backend, host, w.outFeatures, w.inFeatures, w.bias));
        }
        const bytesAfter = engine.bytes();
        const pplAfter = await perplexityOf(engine, ids);
        await record(ctx, {
          compressor: `int${bits}`, settings: { bits, group, skip }, bytesBefore, bytesAfter, ratio: bytesBefore / bytesAfter,
          ...(pplBefore !== undefined && { pplBefore, pplAfter, pplChange: pplAfter! / pplBefore - 1 }),
        });
        return engine;
      },
    },
  };
}

/**
 * Loads (and saves) the models the quantizer produced: a directory whose
 * config.json has quantization_config.quant_method 'kiln-groupwise' becomes a
 * Gpt2Engine with its weights still quantized. `enforce: 'pre'` puts it before
 * @kiln/gpt2, which would refuse the I8 tensors. Add it wherever a compressed
 * model is evaluated, exported or served.
 */
export function compressedModels(): KilnPlugin {
  const architecture: ArchitectureProvider<Gpt2Engine> = {
    name: 'gpt2-quantized',
    create() {
      throw new Error("kiln:compressed-models: 'gpt2-quantized' models come from the compress stage; train with architecture 'gpt2'");
    },
    async load(dir, backend, ctx) {
      if (!(await isQuantizedDir(dir))) return undefined;
      const engine = await loadEngine(dir, backend);
      ctx.logger.info('loaded quantized GPT-2', { dir, bytes: engine.bytes() });
      return engine;
    },
    save: (model, dir) => toEngine(model, 'kiln:compressed-models').save(dir),
  };
  return { name: 'kiln:compressed-models', version: VERSION, enforce: 'pre', architecture: architecture as ArchitectureProvider };
}
