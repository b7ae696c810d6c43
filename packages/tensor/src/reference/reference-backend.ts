import type {
  AdamWArgs,
  AttentionArgs,
  AttentionBackwardArgs,
  AttentionKVArgs,
  AttentionKVRowsArgs,
  Backend,
  BackendInfo,
  Buf,
  BufView,
  DType,
  MatmulArgs,
  MatmulQArgs,
  QuantizedWeight,
  RopeArgs,
} from '../backend.js';
import { adamw, sumSquares as sumSquaresKernel } from './kernels/adamw.js';
import * as attn from './kernels/attention.js';
import * as ce from './kernels/cross-entropy.js';
import * as emb from './kernels/embedding.js';
import * as mm from './kernels/matmul.js';
import * as norm from './kernels/norm.js';
import * as pw from './kernels/pointwise.js';
import * as quant from './kernels/quant.js';
import { rope } from './kernels/rope.js';
import { BufferPool, type FloatArray, type RefArray, RefBuf } from './ref-buf.js';

export interface ReferenceBackendOptions {
  /**
   * 'f32' (default) stores f32 tensors in Float32Array like every other
   * backend. 'f64' stores them in Float64Array: for finite-difference gradient
   * checks, where f32 rounding would hide real errors.
   */
  precision?: 'f32' | 'f64';
}

/**
 * The oracle: every op of the Backend contract in plain TypeScript, written
 * for clarity (llm.c's CPU code is the model). f32 storage, f64 accumulators
 * for long sums. Work runs immediately; read() just copies.
 */
export class ReferenceBackend implements Backend {
  readonly info: BackendInfo;
  readonly pool: BufferPool;
  private disposed = false;

  constructor(options: ReferenceBackendOptions = {}) {
    const precision = options.precision ?? 'f32';
    if (precision !== 'f32' && precision !== 'f64') {
      throw new Error(`ReferenceBackend: precision must be 'f32' or 'f64', got '${String(precision)}'`);
    }
    this.pool = new BufferPool(precision === 'f64' ? Float64Array : Float32Array);
    this.info = { name: 'js', device: `plain TypeScript on the CPU (${precision})`, threads: 1, precision };
  }

  // ---- views ---------------------------------------------------------------

  private buf(b: Buf, op: string): RefBuf {
    if (this.disposed) throw new Error(`ReferenceBackend.${op}: the backend was disposed`);
    if (!(b instanceof RefBuf) || b.owner !== this) {
      throw new Error(`ReferenceBackend.${op}: buffer belongs to another backend ('${b?.backend}')`);
    }
    if (b.freed) throw new Error(`ReferenceBackend.${op}: buffer was freed`);
    return b;
  }

  /** The typed array behind a view, starting at its offset, checked to hold `n` elements. */
  private arr(v: BufView, n: number, op: string, name: string): RefArray {
    const isView = 'buf' in v;
    const b = this.buf(isView ? v.buf : v, op);
    const offset = isView ? v.offset : 0;
    if (!Number.isInteger(offset) || offset < 0 || offset + n > b.length) {
      throw new Error(
        `ReferenceBackend.${op}: ${name} needs ${n} elements at offset ${offset}, buffer has ${b.length}`,
      );
    }
    return offset === 0 ? b.data : b.data.subarray(offset);
  }

  private f(v: BufView, n: number, op: string, name: string): FloatArray {
    const a = this.arr(v, n, op, name);
    if (a instanceof Int32Array || a instanceof Int8Array)
      throw new Error(`ReferenceBackend.${op}: ${name} must be f32`);
    return a;
  }

  private i32(v: BufView, n: number, op: string, name: string): Int32Array {
    const a = this.arr(v, n, op, name);
    if (!(a instanceof Int32Array)) throw new Error(`ReferenceBackend.${op}: ${name} must be i32`);
    return a;
  }

  // ---- memory ----------------------------------------------------------------

  alloc(dtype: DType, length: number): Buf {
    if (!Number.isInteger(length) || length < 0)
      throw new Error(`ReferenceBackend.alloc: length must be a non-negative integer, got ${length}`);
    return new RefBuf(this, dtype, this.pool.take(dtype, length));
  }

  free(buf: Buf): void {
    const b = this.buf(buf, 'free');
    b.freed = true;
    this.pool.give(b.dtype, b.data);
  }

  write(buf: Buf, data: Float32Array | Int32Array | Int8Array, offset = 0): void {
    const dst = this.arr({ buf, offset }, data.length, 'write', 'data');
    const b = buf as RefBuf;
    const ok =
      b.dtype === 'f32'
        ? data instanceof Float32Array || data instanceof Float64Array
        : b.dtype === 'i32'
          ? data instanceof Int32Array
          : data instanceof Int8Array;
    if (!ok) throw new Error(`ReferenceBackend.write: ${data.constructor.name} does not match a ${b.dtype} buffer`);
    dst.set(data);
  }

  async read(buf: Buf, offset = 0, length?: number): Promise<Float32Array | Int32Array | Int8Array> {
    const b = this.buf(buf, 'read');
    const n = length ?? b.length - offset;
    const src = this.arr({ buf, offset }, n, 'read', 'range');
    if (src instanceof Float64Array) return Float32Array.from(src.subarray(0, n));
    return src.slice(0, n);
  }

  /** Like read, but keeps f64 precision (for gradient checks on an f64 backend). */
  async readF64(buf: Buf, offset = 0, length?: number): Promise<Float64Array> {
    const b = this.buf(buf, 'read');
    const n = length ?? b.length - offset;
    return Float64Array.from(this.arr({ buf, offset }, n, 'read', 'range').subarray(0, n));
  }

  copy(dst: BufView, src: BufView, n: number): void {
    const d = this.arr(dst, n, 'copy', 'dst');
    const s = this.arr(src, n, 'copy', 'src');
    if (d.constructor !== s.constructor) throw new Error('ReferenceBackend.copy: dst and src have different dtypes');
    d.set(s.subarray(0, n) as never);
  }

  fill(buf: BufView, value: number, n: number): void {
    this.arr(buf, n, 'fill', 'buf').fill(value, 0, n);
  }

  async sync(): Promise<void> {}

  async dispose(): Promise<void> {
    this.pool.clear();
    this.disposed = true;
  }

  // ---- linear algebra --------------------------------------------------------

  matmul(a: MatmulArgs): void {
    const { M, N, K } = a;
    const op = 'matmul';
    mm.matmul(
      this.f(a.out, M * N, op, 'out'),
      this.f(a.a, M * K, op, 'a'),
      this.f(a.b, K * N, op, 'b'),
      a.bias ? this.f(a.bias, N, op, 'bias') : null,
      M,
      N,
      K,
      !!a.transA,
      !!a.transB,
      !!a.accumulate,
    );
  }

  biasBackward(dbias: BufView, dout: BufView, M: number, N: number): void {
    mm.biasBackward(this.f(dbias, N, 'biasBackward', 'dbias'), this.f(dout, M * N, 'biasBackward', 'dout'), M, N);
  }

  // ---- embeddings ------------------------------------------------------------

  embedding(out: BufView, table: BufView, ids: BufView, n: number, C: number): void {
    const op = 'embedding';
    emb.embedding(this.f(out, n * C, op, 'out'), this.f(table, 0, op, 'table'), this.i32(ids, n, op, 'ids'), n, C);
  }

  embeddingBackward(dtable: BufView, dout: BufView, ids: BufView, n: number, C: number): void {
    const op = 'embeddingBackward';
    emb.embeddingBackward(
      this.f(dtable, 0, op, 'dtable'),
      this.f(dout, n * C, op, 'dout'),
      this.i32(ids, n, op, 'ids'),
      n,
      C,
    );
  }

  // ---- normalization ---------------------------------------------------------

  layernorm(
    out: BufView,
    mean: BufView,
    rstd: BufView,
    x: BufView,
    w: BufView,
    b: BufView | null,
    N: number,
    C: number,
    eps: number,
  ): void {
    const op = 'layernorm';
    norm.layernorm(
      this.f(out, N * C, op, 'out'),
      this.f(mean, N, op, 'mean'),
      this.f(rstd, N, op, 'rstd'),
      this.f(x, N * C, op, 'x'),
      this.f(w, C, op, 'w'),
      b ? this.f(b, C, op, 'b') : null,
      N,
      C,
      eps,
    );
  }

  layernormBackward(
    dx: BufView,
    dw: BufView,
    db: BufView | null,
    dout: BufView,
    x: BufView,
    w: BufView,
    mean: BufView,
    rstd: BufView,
    N: number,
    C: number,
  ): void {
    const op = 'layernormBackward';
    norm.layernormBackward(
      this.f(dx, N * C, op, 'dx'),
      this.f(dw, C, op, 'dw'),
      db ? this.f(db, C, op, 'db') : null,
      this.f(dout, N * C, op, 'dout'),
      this.f(x, N * C, op, 'x'),
      this.f(w, C, op, 'w'),
      this.f(mean, N, op, 'mean'),
      this.f(rstd, N, op, 'rstd'),
      N,
      C,
    );
  }

  rmsnorm(out: BufView, rstd: BufView, x: BufView, w: BufView, N: number, C: number, eps: number): void {
    const op = 'rmsnorm';
    norm.rmsnorm(
      this.f(out, N * C, op, 'out'),
      this.f(rstd, N, op, 'rstd'),
      this.f(x, N * C, op, 'x'),
      this.f(w, C, op, 'w'),
      N,
      C,
      eps,
    );
  }

  rmsnormBackward(
    dx: BufView,
    dw: BufView,
    dout: BufView,
    x: BufView,
    w: BufView,
    rstd: BufView,
    N: number,
    C: number,
  ): void {
    const op = 'rmsnormBackward';
    norm.rmsnormBackward(
      this.f(dx, N * C, op, 'dx'),
      this.f(dw, C, op, 'dw'),
      this.f(dout, N * C, op, 'dout'),
      this.f(x, N * C, op, 'x'),
      this.f(w, C, op, 'w'),
      this.f(rstd, N, op, 'rstd'),
      N,
      C,
    );
  }

  // ---- attention -------------------------------------------------------------

  private attnDims(a: AttentionArgs, op: string): attn.AttentionDims {
    const { B, T, H, Hkv, D } = a;
    if (!(H > 0 && Hkv > 0 && H % Hkv === 0))
      throw new Error(`ReferenceBackend.${op}: H (${H}) must be a positive multiple of Hkv (${Hkv})`);
    return {
      B,
      T,
      H,
      Hkv,
      D,
      causal: a.causal,
      scale: a.scale ?? 1 / Math.sqrt(D),
      segments: a.segments ? this.i32(a.segments, B * T, op, 'segments') : null,
    };
  }

  attention(a: AttentionArgs): void {
    const op = 'attention';
    const d = this.attnDims(a, op);
    const { B, T, H, Hkv, D } = a;
    attn.attention(
      this.f(a.out, B * T * H * D, op, 'out'),
      this.f(a.lse, B * H * T, op, 'lse'),
      this.f(a.qkv, B * T * (H + 2 * Hkv) * D, op, 'qkv'),
      d,
    );
  }

  attentionBackward(a: AttentionBackwardArgs): void {
    const op = 'attentionBackward';
    const d = this.attnDims(a, op);
    const { B, T, H, Hkv, D } = a;
    const n = B * T * (H + 2 * Hkv) * D;
    attn.attentionBackward(
      this.f(a.dqkv, n, op, 'dqkv'),
      this.f(a.dout, B * T * H * D, op, 'dout'),
      this.f(a.qkv, n, op, 'qkv'),
      this.f(a.lse, B * H * T, op, 'lse'),
      d,
    );
  }

  rope(a: RopeArgs): void {
    const n = a.B * a.T * (a.H + 2 * a.Hkv) * a.D;
    if (a.D % 2 !== 0) throw new Error(`ReferenceBackend.rope: head size D (${a.D}) must be even`);
    rope(
      this.f(a.out, n, 'rope', 'out'),
      this.f(a.inp, n, 'rope', 'inp'),
      { ...a, posOffset: a.posOffset ?? 0 },
      1,
      false,
    );
  }

  ropeBackward(a: { dinp: BufView; dout: BufView } & Omit<RopeArgs, 'out' | 'inp'>): void {
    const n = a.B * a.T * (a.H + 2 * a.Hkv) * a.D;
    if (a.D % 2 !== 0) throw new Error(`ReferenceBackend.ropeBackward: head size D (${a.D}) must be even`);
    rope(
      this.f(a.dinp, n, 'ropeBackward', 'dinp'),
      this.f(a.dout, n, 'ropeBackward', 'dout'),
      { ...a, posOffset: a.posOffset ?? 0 },
      -1,
      true,
    );
  }

  // ---- pointwise -------------------------------------------------------------

  gelu(out: BufView, x: BufView, n: number): void {
    pw.gelu(this.f(out, n, 'gelu', 'out'), this.f(x, n, 'gelu', 'x'), n);
  }

  geluBackward(dx: BufView, dout: BufView, x: BufView, n: number): void {
    pw.geluBackward(
      this.f(dx, n, 'geluBackward', 'dx'),
      this.f(dout, n, 'geluBackward', 'dout'),
      this.f(x, n, 'geluBackward', 'x'),
      n,
    );
  }

  swiglu(out: BufView, x: BufView, N: number, F: number): void {
    pw.swiglu(this.f(out, N * F, 'swiglu', 'out'), this.f(x, N * 2 * F, 'swiglu', 'x'), N, F);
  }

  swigluBackward(dx: BufView, dout: BufView, x: BufView, N: number, F: number): void {
    const op = 'swigluBackward';
    pw.swigluBackward(
      this.f(dx, N * 2 * F, op, 'dx'),
      this.f(dout, N * F, op, 'dout'),
      this.f(x, N * 2 * F, op, 'x'),
      N,
      F,
    );
  }

  add(out: BufView, a: BufView, b: BufView, n: number): void {
    pw.add(this.f(out, n, 'add', 'out'), this.f(a, n, 'add', 'a'), this.f(b, n, 'add', 'b'), n);
  }

  axpy(y: BufView, x: BufView, alpha: number, n: number): void {
    pw.axpy(this.f(y, n, 'axpy', 'y'), this.f(x, n, 'axpy', 'x'), alpha, n);
  }

  scale(x: BufView, alpha: number, n: number): void {
    pw.scale(this.f(x, n, 'scale', 'x'), alpha, n);
  }

  // ---- loss ------------------------------------------------------------------

  crossEntropy(
    losses: BufView,
    logits: BufView,
    targets: BufView,
    N: number,
    V: number,
    ignoreIndex: number,
    lse?: BufView,
  ): void {
    const op = 'crossEntropy';
    ce.crossEntropy(
      this.f(losses, N, op, 'losses'),
      this.f(logits, N * V, op, 'logits'),
      this.i32(targets, N, op, 'targets'),
      N,
      V,
      ignoreIndex,
      lse && this.f(lse, N, op, 'lse'),
    );
  }

  crossEntropyBackward(
    dlogits: BufView,
    logits: BufView,
    targets: BufView,
    dloss: BufView,
    N: number,
    V: number,
    ignoreIndex: number,
    lse?: BufView,
  ): void {
    const op = 'crossEntropyBackward';
    ce.crossEntropyBackward(
      this.f(dlogits, N * V, op, 'dlogits'),
      this.f(logits, N * V, op, 'logits'),
      this.i32(targets, N, op, 'targets'),
      this.f(dloss, N, op, 'dloss'),
      N,
      V,
      ignoreIndex,
      lse && this.f(lse, N, op, 'lse'),
    );
  }

  // ---- optimizer -------------------------------------------------------------

  sumSquares(out: BufView, x: BufView, n: number, accumulate: boolean): void {
    sumSquaresKernel(this.f(out, 1, 'sumSquares', 'out'), this.f(x, n, 'sumSquares', 'x'), n, accumulate);
  }

  adamw(a: AdamWArgs): void {
    const op = 'adamw';
    adamw(
      this.f(a.param, a.n, op, 'param'),
      this.f(a.grad, a.n, op, 'grad'),
      this.f(a.m, a.n, op, 'm'),
      this.f(a.v, a.n, op, 'v'),
      a.n,
      {
        lr: a.lr,
        beta1: a.beta1,
        beta2: a.beta2,
        eps: a.eps,
        weightDecay: a.weightDecay,
        step: a.step,
        gradScale: a.gradScale ?? 1,
      },
    );
  }

  // ---- inference -------------------------------------------------------------

  attentionKV(a: AttentionKVArgs): void {
    const op = 'attentionKV';
    const { B, Tq, Tmax, pos, H, Hkv, D } = a;
    if (!(H > 0 && Hkv > 0 && H % Hkv === 0))
      throw new Error(`ReferenceBackend.${op}: H (${H}) must be a positive multiple of Hkv (${Hkv})`);
    if (!(Number.isInteger(pos) && pos >= 0 && pos + Tq <= Tmax))
      throw new Error(`ReferenceBackend.${op}: pos ${pos} + Tq ${Tq} exceeds the cache (Tmax ${Tmax})`);
    const cache = B * Tmax * Hkv * D;
    attn.attentionKV(
      this.f(a.out, B * Tq * H * D, op, 'out'),
      this.f(a.kCache, cache, op, 'kCache'),
      this.f(a.vCache, cache, op, 'vCache'),
      this.f(a.qkv, B * Tq * (H + 2 * Hkv) * D, op, 'qkv'),
      { B, Tq, Tmax, pos, H, Hkv, D, scale: a.scale ?? 1 / Math.sqrt(D) },
    );
  }

  attentionKVRows(a: AttentionKVRowsArgs): void {
    const op = 'attentionKVRows';
    const { n, B, Tmax, H, Hkv, D } = a;
    if (!(H > 0 && Hkv > 0 && H % Hkv === 0))
      throw new Error(`ReferenceBackend.${op}: H (${H}) must be a positive multiple of Hkv (${Hkv})`);
    const rows = this.i32(a.rows, n, op, 'rows');
    const positions = this.i32(a.positions, n, op, 'positions');
    attn.checkCacheRows(`ReferenceBackend.${op}`, rows, positions, n, B, Tmax);
    const [C, S, O] = [Tmax * Hkv * D, (H + 2 * Hkv) * D, H * D];
    const out = this.f(a.out, n * O, op, 'out');
    const k = this.f(a.kCache, B * C, op, 'kCache');
    const v = this.f(a.vCache, B * C, op, 'vCache');
    const qkv = this.f(a.qkv, n * S, op, 'qkv');
    const scale = a.scale ?? 1 / Math.sqrt(D);
    // Each row is attentionKV on its own cache row with one token at its own position.
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      attn.attentionKV(
        out.subarray(i * O, (i + 1) * O),
        k.subarray(r * C, (r + 1) * C),
        v.subarray(r * C, (r + 1) * C),
        qkv.subarray(i * S, (i + 1) * S),
        { B: 1, Tq: 1, Tmax, pos: positions[i], H, Hkv, D, scale },
      );
    }
  }

  private quant(w: QuantizedWeight, N: number, K: number, op: string): { data: Int8Array; scales: FloatArray } {
    quant.checkQuant(`ReferenceBackend.${op}`, w, K);
    const data = this.arr(w.data, w.bits === 8 ? N * K : (N * K) / 2, op, 'w.data');
    if (!(data instanceof Int8Array)) throw new Error(`ReferenceBackend.${op}: w.data must be i8`);
    return { data, scales: this.f(w.scales, (N * K) / w.group, op, 'w.scales') };
  }

  matmulQ(a: MatmulQArgs): void {
    const op = 'matmulQ';
    const { M, N, K } = a;
    const { data, scales } = this.quant(a.w, N, K, op);
    quant.matmulQ(
      this.f(a.out, M * N, op, 'out'),
      this.f(a.a, M * K, op, 'a'),
      data,
      scales,
      a.bias ? this.f(a.bias, N, op, 'bias') : null,
      M,
      N,
      K,
      a.w,
      a.accumulate ?? false,
    );
  }

  embeddingQ(out: BufView, table: QuantizedWeight, ids: BufView, n: number, C: number): void {
    const op = 'embeddingQ';
    // Rows the table holds (as embedding() infers them from the table's length).
    const perRow = table.bits === 8 ? C : C / 2;
    const rows = Math.min(
      Math.floor(this.arr(table.scales, 0, op, 'table.scales').length / (C / table.group)),
      Math.floor(this.arr(table.data, 0, op, 'table.data').length / perRow),
    );
    const { data, scales } = this.quant(table, rows, C, op);
    quant.embeddingQ(this.f(out, n * C, op, 'out'), data, scales, this.i32(ids, n, op, 'ids'), n, C, rows, table);
  }
}
