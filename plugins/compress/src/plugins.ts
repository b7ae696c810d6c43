/**
 * Compressor plugins (the `compress` hook: sequential, each receives the
 * previous one's model). They work on the engine of the model's architecture
 * (GPT-2, Llama, BERT: ctx.hooks.engine) and its matrices. Prune first, then quantize:
 *
 *   plugins: [prune({ pattern: '2:4' }), quantize({ bits: 4, group: 32, measure: { file: 'val.txt' } })]
 */
import { type KilnContext, type KilnPlugin, optionsCacheKey } from '@kiln/core';
import { type ModelEngine, type QuantizableEngine, uploadQuantized } from '@kiln/tensor';
import { type MeasureOptions, measureIds, perplexityOf, record } from './measure.js';
import { pruneNM, pruneUnstructured } from './prune.js';
import { quantizeMatrix, transpose } from './quantize.js';

const VERSION = '0.1.0';

/** The engine of the model's architecture (ctx.hooks.engine), and its matrices when compressors may replace them. */
function compressible(
  model: unknown,
  ctx: KilnContext,
  who: string,
): { engine: ModelEngine; matrices: QuantizableEngine } {
  const engine = ctx.hooks.engine(model, who);
  const matrices = engine.matrices;
  if (!matrices)
    throw new Error(`${who}: architecture '${engine.architecture}' does not expose its matrices to compressors`);
  return { engine, matrices };
}

/** A dense matrix as [out, in] on the host. */
async function readOutIn(m: QuantizableEngine, name: string): Promise<Float32Array> {
  const w = m.linears().get(name)!;
  if (w.kind !== 'dense') throw new Error(`weight '${name}' is already quantized: prune before quantizing`);
  const v = w.w;
  const data = (await m.backend.read(
    'buf' in v ? v.buf : v,
    'buf' in v ? v.offset : 0,
    w.inFeatures * w.outFeatures,
  )) as Float32Array;
  return w.layout === 'in-out' ? transpose(data, w.inFeatures, w.outFeatures) : Float32Array.from(data);
}

function selected(m: QuantizableEngine, skip: readonly string[]): string[] {
  return [...m.linears().keys()].filter((n) => !skip.some((s) => n.includes(s)));
}

export interface PruneOptions {
  /** Fraction of each matrix to zero (unstructured; default 0.5). */
  sparsity?: number;
  /** 'unstructured' (default) or 'N:M', e.g. '2:4'. */
  pattern?: string;
  /** Weight names containing any of these are left alone (default: the matrices that are also embedding tables). */
  skip?: string[];
  measure?: MeasureOptions;
}

export function prune(options: PruneOptions = {}): KilnPlugin {
  const pattern = options.pattern ?? 'unstructured';
  const nm = /^(\d+):(\d+)$/.exec(pattern);
  if (pattern !== 'unstructured' && !nm)
    throw new Error(`kiln:prune: pattern must be 'unstructured' or 'N:M' (e.g. '2:4'), got '${pattern}'`);
  const sparsity = options.sparsity ?? 0.5;
  if (!(sparsity >= 0 && sparsity < 1)) throw new Error(`kiln:prune: sparsity must be in [0, 1), got ${sparsity}`);
  return {
    name: 'kiln:prune',
    version: VERSION,
    // The compress stage (and only it) reruns when these change.
    cacheKey: optionsCacheKey(options),
    compressor: {
      name: 'prune',
      async compress(model: unknown, ctx: KilnContext) {
        const { engine, matrices } = compressible(model, ctx, 'kiln:prune');
        const skip = options.skip ?? matrices.embeddingNames;
        const ids = await measureIds(options.measure, ctx);
        const pplBefore = await perplexityOf(engine, ids);
        let zeroed = 0;
        let total = 0;
        for (const name of selected(matrices, skip)) {
          const w = matrices.linears().get(name)!;
          const data = await readOutIn(matrices, name);
          zeroed += nm ? pruneNM(data, w.inFeatures, Number(nm[1]), Number(nm[2])) : pruneUnstructured(data, sparsity);
          total += data.length;
          if (w.kind !== 'dense') continue;
          // In place: the engine's dense matrices are the model's own buffers, so the model is pruned too.
          const back = w.layout === 'in-out' ? transpose(data, w.outFeatures, w.inFeatures) : data;
          const v = w.w;
          matrices.backend.write('buf' in v ? v.buf : v, back, 'buf' in v ? v.offset : 0);
        }
        const pplAfter = await perplexityOf(engine, ids);
        // Zeros are stored densely: the size does not change until a sparse format or a quantizer follows.
        const bytes = matrices.bytes();
        await record(ctx, {
          compressor: 'prune',
          settings: { pattern, ...(nm ? {} : { sparsity }), skip },
          bytesBefore: bytes,
          bytesAfter: bytes,
          ratio: 1,
          sparsity: zeroed / total,
          ...(pplBefore !== undefined && {
            pplBefore,
            pplAfter,
            pplChange: pplAfter! / pplBefore - 1,
            pplOn: ids!.label,
          }),
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
  if (!(Number.isInteger(group) && group >= 2 && group % 2 === 0))
    throw new Error(`kiln:quantize: group must be an even integer >= 2, got ${group}`);
  const skip = options.skip ?? [];
  return {
    name: 'kiln:quantize',
    version: VERSION,
    cacheKey: optionsCacheKey(options),
    compressor: {
      name: `int${bits}`,
      async compress(model: unknown, ctx: KilnContext) {
        const { engine, matrices } = compressible(model, ctx, 'kiln:quantize');
        const ids = await measureIds(options.measure, ctx);
        const pplBefore = await perplexityOf(engine, ids);
        const bytesBefore = matrices.bytes();
        for (const name of selected(matrices, skip)) {
          const w = matrices.linears().get(name)!;
          if (w.kind !== 'dense')
            throw new Error(`kiln:quantize: '${name}' is already quantized (int${w.host.bits}); quantize once`);
          if (w.inFeatures % group !== 0) {
            ctx.logger.warn(
              `kiln:quantize: '${name}' keeps f32: its input dimension ${w.inFeatures} is not a multiple of ${group}`,
            );
            continue;
          }
          const host = quantizeMatrix(await readOutIn(matrices, name), w.outFeatures, w.inFeatures, { bits, group });
          matrices.replaceLinear(name, uploadQuantized(matrices.backend, host, w.outFeatures, w.inFeatures, w.bias));
        }
        const bytesAfter = matrices.bytes();
        const pplAfter = await perplexityOf(engine, ids);
        await record(ctx, {
          compressor: `int${bits}`,
          settings: { bits, group, skip },
          bytesBefore,
          bytesAfter,
          ratio: bytesBefore / bytesAfter,
          ...(pplBefore !== undefined && {
            pplBefore,
            pplAfter,
            pplChange: pplAfter! / pplBefore - 1,
            pplOn: ids!.label,
          }),
        });
        // The compressed model is the engine: its architecture saves and loads it with the matrices quantized.
        return engine;
      },
    },
  };
}
