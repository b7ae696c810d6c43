/**
 * The weights an inference engine runs on, by name: matrices (dense or
 * group-quantized, see weights.ts) and everything else (norms, biases,
 * position tables). Engines built over a trained model point at its
 * parameter buffers (no copy); a compressor swaps matrices for quantized ones.
 *
 * On disk (engine files): config.json + model.safetensors, with quantized
 * matrices stored as they sit in memory: `<name>` holds the i8 levels
 * ([out, in], or [out, in/2] packed int4) and `<name>.scales` the f32 group
 * scales ([out, in/group]); config.json's `quantization_config`
 * (quant_method 'kiln-groupwise') lists which matrices are quantized and how.
 * Loaders that do not know the method refuse the I8 tensors instead of misreading them.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Backend, Buf, BufView } from '../backend.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readSafetensors, type SafeTensor, writeSafetensors } from '../io/safetensors.js';
import type { QuantizableEngine } from '../model.js';
import type { Tensor } from '../tensor.js';
import { freeWeight, type LinearWeight, uploadQuantized, weightBytes } from './weights.js';

export const QUANT_METHOD = 'kiln-groupwise';

export interface QuantEntry {
  bits: 4 | 8;
  group: number;
}

/** config.json's quantization_config of an engine file. */
export interface QuantizationConfig {
  quant_method: typeof QUANT_METHOD;
  version: 1;
  weights: Record<string, QuantEntry>;
}

/** A non-matrix tensor: where it is and the shape it is saved with. */
export interface DenseTensor {
  view: BufView;
  shape: readonly number[];
}

const bufOf = (v: BufView): Buf => ('buf' in v ? v.buf : v);
const offOf = (v: BufView): number => ('buf' in v ? v.offset : 0);
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export class EngineWeights implements QuantizableEngine {
  readonly linear = new Map<string, LinearWeight>();
  readonly dense = new Map<string, DenseTensor>();
  /** Model tensors behind dense matrices, so replacing one frees the model's copy. */
  private readonly sources = new Map<string, Tensor>();
  /** Buffers this holder allocated (loaded from a file), freed by dispose. */
  private readonly owned: Buf[] = [];
  private changed = false;

  constructor(
    readonly backend: Backend,
    /** Shown in errors, e.g. 'Gpt2Engine'. */
    private readonly who: string,
    /** Matrices also looked up as embedding tables (pruning leaves them alone by default). */
    readonly embeddingNames: readonly string[],
  ) {}

  /** True once a matrix was replaced, or the weights came from a file. */
  get replaced(): boolean {
    return this.changed;
  }

  linears(): ReadonlyMap<string, LinearWeight> {
    return this.linear;
  }

  /** A matrix pointing at a model tensor's buffer. */
  setDense(name: string, t: Tensor, layout: 'in-out' | 'out-in', bias: BufView | null): void {
    const [a, b] = t.shape;
    const [inFeatures, outFeatures] = layout === 'in-out' ? [a, b] : [b, a];
    this.linear.set(name, { kind: 'dense', w: t.view, layout, inFeatures, outFeatures, bias });
    this.sources.set(name, t);
  }

  lin(name: string): LinearWeight {
    const w = this.linear.get(name);
    if (!w) throw new Error(`${this.who}: no matrix '${name}'`);
    return w;
  }

  vec(name: string): BufView {
    const d = this.dense.get(name);
    if (!d) throw new Error(`${this.who}: no tensor '${name}'`);
    return d.view;
  }

  /** Puts a new weight in place of `name`, freeing the model tensor or the quantized buffers the old one held. */
  replaceLinear(name: string, weight: LinearWeight): void {
    const old = this.lin(name);
    this.linear.set(name, weight);
    this.changed = true;
    freeWeight(this.backend, old);
    this.sources.get(name)?.dispose();
    this.sources.delete(name);
  }

  bytes(): number {
    let n = 0;
    for (const w of this.linear.values()) n += weightBytes(w);
    for (const d of this.dense.values()) n += 4 * sizeOf(d.shape);
    return n;
  }

  dispose(): void {
    for (const w of this.linear.values()) freeWeight(this.backend, w);
    for (const b of this.owned) this.backend.free(b);
    this.owned.length = 0;
  }

  /**
   * Writes model.safetensors (tensors under `rename(name)`, matrices in `shapeOf`'s
   * layout) and config.json (`config` plus quantization_config when a matrix is quantized).
   */
  async save(dir: string, config: Record<string, unknown>, writer: string): Promise<string[]> {
    const be = this.backend;
    const read = async (v: BufView, n: number) =>
      Float32Array.from((await be.read(bufOf(v), offOf(v), n)) as Float32Array);
    const tensors = new Map<string, { shape: number[]; data: SafeTensor['data'] }>();
    const quantized: Record<string, QuantEntry> = {};
    for (const [name, w] of this.linear) {
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
    for (const [name, d] of this.dense)
      tensors.set(name, { shape: [...d.shape], data: await read(d.view, sizeOf(d.shape)) });
    await mkdir(dir, { recursive: true });
    await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt', writer });
    const quantization: QuantizationConfig | undefined =
      Object.keys(quantized).length > 0 ? { quant_method: QUANT_METHOD, version: 1, weights: quantized } : undefined;
    await writeFileAtomic(
      join(dir, 'config.json'),
      JSON.stringify({ ...config, ...(quantization && { quantization_config: quantization }) }, null, 2) + '\n',
    );
    return ['model.safetensors', 'config.json'];
  }

  /**
   * Fills this holder from dir/model.safetensors: `layouts` names every matrix
   * (with its dense layout and bias name); other f32 tensors become dense ones,
   * except names `skip` accepts.
   */
  async load(
    dir: string,
    quantization: QuantizationConfig | undefined,
    layouts: ReadonlyMap<string, { layout: 'in-out' | 'out-in'; bias?: string }>,
    skip: (name: string) => boolean = () => false,
  ): Promise<void> {
    const be = this.backend;
    this.changed = true;
    const path = join(dir, 'model.safetensors');
    const file = await readSafetensors(path);
    const quant = quantization?.weights ?? {};
    const upload = (name: string) => {
      const t = file.tensors.get(name);
      if (!t || !(t.data instanceof Float32Array)) throw new Error(`${path}: missing f32 tensor '${name}'`);
      const buf = be.alloc('f32', t.data.length);
      be.write(buf, t.data);
      this.owned.push(buf);
      return { buf, shape: t.shape };
    };
    for (const name of file.tensors.keys()) {
      if (layouts.has(name) || name.endsWith('.scales') || skip(name)) continue;
      const { buf, shape } = upload(name);
      this.dense.set(name, { view: buf, shape });
    }
    for (const [name, { layout, bias: biasName }] of layouts) {
      const bias = biasName === undefined ? null : (this.dense.get(biasName)?.view ?? null);
      const q = quant[name];
      const t = file.tensors.get(name);
      if (!t) throw new Error(`${path}: missing matrix '${name}'`);
      if (q) {
        const scales = file.tensors.get(`${name}.scales`);
        if (!(t.data instanceof Int8Array) || !scales || !(scales.data instanceof Float32Array)) {
          throw new Error(`${path}: '${name}' is listed as quantized but its I8 data or F32 scales are missing`);
        }
        const [outF, stored] = t.shape;
        const inF = q.bits === 8 ? stored : stored * 2;
        this.linear.set(
          name,
          uploadQuantized(be, { bits: q.bits, group: q.group, data: t.data, scales: scales.data }, outF, inF, bias),
        );
      } else {
        const { buf, shape } = upload(name);
        const [inFeatures, outFeatures] = layout === 'in-out' ? [shape[0], shape[1]] : [shape[1], shape[0]];
        this.linear.set(name, { kind: 'dense', w: buf, layout, inFeatures, outFeatures, bias });
      }
    }
  }
}

/** The quantization_config of dir/config.json, or undefined when it has none of Kiln's. */
export async function readQuantization(dir: string): Promise<QuantizationConfig | undefined> {
  try {
    const json = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as {
      quantization_config?: Partial<QuantizationConfig>;
    };
    const q = json.quantization_config;
    return q?.quant_method === QUANT_METHOD && q.weights
      ? { quant_method: QUANT_METHOD, version: 1, weights: q.weights }
      : undefined;
  } catch {
    return undefined;
  }
}
