import type { Backend } from '../backend.js';
import { keep } from '../scope.js';
import { Tensor } from '../tensor.js';

/**
 * Base of every layer: parameters and sub-modules are registered under NAMES,
 * so `parameters()` yields the dotted names a checkpoint uses (the model picks
 * them: Hugging Face's, for files that load there).
 */
export abstract class Module {
  private readonly ownParams = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  constructor(readonly backend: Backend) {}

  /** Register a trainable tensor; it outlives every tidy scope. */
  protected param(name: string, t: Tensor, decay: boolean): Tensor {
    if (this.ownParams.has(name) || this.children.has(name))
      throw new Error(`${this.constructor.name}: '${name}' is registered twice`);
    this.ownParams.set(name, Tensor.parameter(keep(t), decay));
    return t;
  }

  protected child<M extends Module>(name: string, m: M): M {
    if (this.ownParams.has(name) || this.children.has(name))
      throw new Error(`${this.constructor.name}: '${name}' is registered twice`);
    this.children.set(name, m);
    return m;
  }

  /** Every parameter under its dotted name, in registration order. A shared tensor appears once. */
  parameters(prefix = ''): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const seen = new Set<Tensor>();
    const walk = (m: Module, p: string) => {
      for (const [n, t] of m.ownParams) {
        if (!seen.has(t)) {
          seen.add(t);
          out.set(p + n, t);
        }
      }
      for (const [n, c] of m.children) walk(c, `${p}${n}.`);
    };
    walk(this, prefix);
    return out;
  }

  /** Every module under this one by its dotted name (the prefix of its parameters' names), each once. */
  namedModules(): Map<string, Module> {
    const out = new Map<string, Module>();
    const seen = new Set<Module>();
    const walk = (m: Module, p: string) => {
      for (const [n, c] of m.children) {
        if (seen.has(c)) continue;
        seen.add(c);
        out.set(p + n, c);
        walk(c, `${p}${n}.`);
      }
    };
    walk(this, '');
    return out;
  }

  /** Total number of parameter elements. */
  numParameters(): number {
    let n = 0;
    for (const t of this.parameters().values()) n += t.size;
    return n;
  }

  /** Set every parameter's gradient to zero (they accumulate across backward calls). */
  zeroGrad(): void {
    for (const t of this.parameters().values()) if (t.grad) this.backend.fill(t.grad.view, 0, t.size);
  }

  /** Parameter values by name, read back to the host. */
  async stateDict(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [n, t] of this.parameters())
      out.set(n, { shape: [...t.shape], data: (await t.toArray()) as Float32Array });
    return out;
  }

  /**
   * Overwrite parameters from host arrays by name. Strict: every parameter must
   * be present with the right number of elements, and unknown names are errors.
   */
  loadStateDict(
    state: Map<string, { shape?: readonly number[]; data: Float32Array }>,
    source = 'state dict',
    ignore: (name: string) => boolean = () => false,
  ): void {
    const params = this.parameters();
    const missing = [...params.keys()].filter((n) => !state.has(n));
    if (missing.length)
      throw new Error(
        `${source}: missing parameters ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`,
      );
    const unknown = [...state.keys()].filter((n) => !params.has(n) && !ignore(n));
    if (unknown.length)
      throw new Error(
        `${source}: unexpected tensors ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`,
      );
    for (const [n, t] of params) {
      const s = state.get(n)!;
      const shapeOk = !s.shape || (s.shape.length === t.shape.length && s.shape.every((d, i) => d === t.shape[i]));
      if (s.data.length !== t.size || !shapeOk) {
        throw new Error(
          `${source}: '${n}' has shape [${s.shape?.join(', ') ?? s.data.length}], the model expects [${t.shape.join(', ')}]`,
        );
      }
      this.backend.write(t.buf, s.data, t.offset);
    }
  }

  /** Free every parameter and gradient. */
  dispose(): void {
    for (const t of this.parameters().values()) t.dispose();
  }
}

/** An indexed list of sub-modules, named '0', '1', ... (torch.nn.ModuleList). */
export class ModuleList<M extends Module> extends Module {
  readonly items: M[] = [];

  constructor(backend: Backend, items: Iterable<M> = []) {
    super(backend);
    for (const m of items) this.push(m);
  }

  push(m: M): M {
    this.items.push(this.child(String(this.items.length), m));
    return m;
  }

  get length(): number {
    return this.items.length;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}
