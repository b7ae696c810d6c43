/**
 * KernelBackend: the Backend contract on Kiln's Rust kernels (rust-kernels/),
 * shared by the wasm backend (kernels compiled to wasm32, a JS worker pool on
 * one shared memory) and the native one (the same kernels compiled for the
 * host, a Rust thread pool on 64-bit memory). Everything the two have in
 * common lives here once: argument checks, the cost model that decides when
 * an op is split over threads, and how each op's arguments are laid out for
 * its kernel. A subclass supplies memory (alloc, free, host views of a
 * buffer) and `dispatch`, which runs a kernel over unit ranges.
 *
 * Ops run synchronously (so `read` resolves at once) and split their work by
 * rows, columns or chunks whose results never depend on the split: one
 * thread and N threads give identical bits.
 */
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
} from '@kiln/tensor';
import { checkCacheRows } from '@kiln/tensor';
import { addr, BYTES, type KernelBuf } from './buffer.js';
import { ATTENTION_MAX_T, K } from './kernels.js';

/** Below this many flops (or bytes touched) an op runs inline on the calling thread. */
const INLINE_COST = 1 << 17;
/**
 * Up to this many rows, matmul runs the decode kernel (kiln_gemv) and quantized
 * matmul its small-M path: each row's result is then the same bits whatever M
 * is, so a sequence decodes alike alone or batched (DECODE_MAX_M in rust-kernels).
 */
export const DECODE_MAX_M = 16;
/** Elements per sumSquares chunk: fixed, so the partial sums never depend on threads. */
const SQ_CHUNK = 16384;
// Flags of kiln_matmul (rust-kernels/src/matmul.rs).
const TRANS_A = 1,
  TRANS_B = 2,
  ACCUMULATE = 4,
  SPLIT_N = 8;

export type HostArray = Float32Array | Int32Array | Int8Array;

// fill(): an f32 value's bit pattern, read through an Int32Array alias.
const fillWord = new ArrayBuffer(4);
const fillF32 = new Float32Array(fillWord);
const fillBits = new Int32Array(fillWord);

export abstract class KernelBackend implements Backend {
  abstract readonly info: BackendInfo;
  private readonly ropeTables = new Map<string, { cos: KernelBuf; sin: KernelBuf }>();
  private partials: KernelBuf | undefined;
  /** When set, every op is split over all threads (warm-up, tests). */
  forceThreads = false;

  protected constructor(
    /** Prefix of every error message: the package name. */
    protected readonly label: string,
    /** Threads including the calling one. */
    readonly threads: number,
    /** Floats of per-thread scratch beyond matmul packing: the longest attention row, the widest quantized K. */
    protected readonly scratchFloats: number,
  ) {}

  // ---- what a subclass provides --------------------------------------------

  abstract alloc(dtype: DType, length: number): Buf;
  abstract free(buf: Buf): void;
  abstract dispose(): Promise<void>;
  /** A live host view of `n` elements of a checked view (no copy). */
  protected abstract window(view: BufView, n: number): HostArray;
  /** Runs kernel `kernel` over `units` split in ranges aligned to `grain`, on up to `threads` threads. */
  protected abstract dispatch(
    kernel: number,
    args: readonly number[],
    units: number,
    grain: number,
    threads: number,
  ): void;

  /** Checks a view (owner, liveness, dtype, bounds) and returns its byte address. */
  protected addr(view: BufView, n: number, dtype: DType, what: string): number {
    return addr(this, this.label, view, n, dtype, what);
  }

  /** Sizes must be non-negative integers; names the op and the field otherwise. */
  protected dims(op: string, sizes: Record<string, number>): void {
    for (const [k, v] of Object.entries(sizes)) {
      if (!Number.isInteger(v) || v < 0)
        throw new Error(`${this.label}: ${op}: ${k} must be a non-negative integer, got ${v}`);
    }
  }

  // ---- memory ------------------------------------------------------------

  write(buf: Buf, data: HostArray, offset = 0): void {
    const want = buf.dtype === 'f32' ? Float32Array : buf.dtype === 'i32' ? Int32Array : Int8Array;
    if (!(data instanceof want))
      throw new Error(
        `${this.label}: write: a ${buf.dtype} buffer needs a ${want.name}, got ${data?.constructor?.name}`,
      );
    this.addr({ buf, offset }, data.length, buf.dtype, 'write: buf');
    this.window({ buf, offset }, data.length).set(data);
  }

  read(buf: Buf, offset = 0, length?: number): Promise<HostArray> {
    const n = length ?? buf.length - offset;
    this.addr({ buf, offset }, n, buf.dtype, 'read: buf');
    return Promise.resolve(this.window({ buf, offset }, n).slice());
  }

  copy(dst: BufView, src: BufView, n: number): void {
    const dtype = ('buf' in src ? src.buf : src).dtype;
    const d = this.addr(dst, n, dtype, 'copy: dst');
    const s = this.addr(src, n, dtype, 'copy: src');
    const bytes = n * BYTES[dtype];
    // Overlapping ranges need one memmove; disjoint ones split over threads.
    const overlap = d < s + bytes && s < d + bytes;
    this.run(K.kiln_copy_bytes, [d, s], bytes, 1 << 16, overlap ? 0 : 1);
  }

  fill(buf: BufView, value: number, n: number): void {
    const dtype = ('buf' in buf ? buf.buf : buf).dtype;
    const p = this.addr(buf, n, dtype, 'fill: buf');
    if (dtype === 'i8') {
      this.run(K.kiln_fill_bytes, [p, value & 0xff], n, 1 << 16, 1);
    } else {
      // The element's bit pattern: the kernel writes 32-bit words.
      fillF32[0] = value;
      const bits = dtype === 'f32' ? fillBits[0] : value | 0;
      this.run(K.kiln_fill32, [p, bits], n, 1 << 14, 4);
    }
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  // ---- dispatch -------------------------------------------------------------

  /** costPerUnit 0: always on the main thread alone (a kernel that must not be split). */
  protected run(kernel: number, args: number[], units: number, grain: number, costPerUnit: number): void {
    const split = costPerUnit > 0 && (this.forceThreads || units * costPerUnit >= INLINE_COST);
    this.dispatch(kernel, args, units, grain, split ? this.threads : 1);
  }

  protected f(view: BufView, n: number, what: string): number {
    return this.addr(view, n, 'f32', what);
  }

  // ---- linear algebra -----------------------------------------------------

  matmul({ out, a, b, bias, M, N, K: k, transA, transB, accumulate }: MatmulArgs): void {
    this.dims('matmul', { M, N, K: k });
    const o = this.f(out, M * N, 'matmul: out');
    const pa = this.f(a, M * k, 'matmul: a');
    const pb = this.f(b, k * N, 'matmul: b');
    const pbias = bias ? this.f(bias, N, 'matmul: bias') : 0;
    if (M <= DECODE_MAX_M && !transA) {
      // Decode-sized: W streams once from its own layout, no packing (rust-kernels/src/gemv.rs).
      const flags = (transB ? TRANS_B : 0) | (accumulate ? ACCUMULATE : 0);
      this.run(K.kiln_gemv, [o, pa, pb, pbias, M, N, k, flags], N, 64, 2 * M * Math.max(k, 1));
      return;
    }
    // Split the larger side: each thread packs the other operand whole.
    const splitN = N > M;
    const flags =
      (transA ? TRANS_A : 0) | (transB ? TRANS_B : 0) | (accumulate ? ACCUMULATE : 0) | (splitN ? SPLIT_N : 0);
    const args = [o, pa, pb, pbias, M, N, k, flags];
    if (splitN) this.run(K.kiln_matmul, args, N, 8, 2 * M * Math.max(k, 1));
    else this.run(K.kiln_matmul, args, M, 4, 2 * N * Math.max(k, 1));
  }

  biasBackward(dbias: BufView, dout: BufView, M: number, N: number): void {
    this.dims('biasBackward', { M, N });
    const args = [this.f(dbias, N, 'biasBackward: dbias'), this.f(dout, M * N, 'biasBackward: dout'), M, N];
    this.run(K.kiln_bias_backward, args, N, 64, M);
  }

  // ---- embeddings -----------------------------------------------------------

  embedding(out: BufView, table: BufView, ids: BufView, n: number, C: number): void {
    this.dims('embedding', { n, C });
    const pi = this.checkIds('embedding', table, ids, n, C);
    const args = [this.f(out, n * C, 'embedding: out'), this.f(table, 0, 'embedding: table'), pi, C];
    this.run(K.kiln_embedding, args, n, 1, C);
  }

  embeddingBackward(dtable: BufView, dout: BufView, ids: BufView, n: number, C: number): void {
    this.dims('embeddingBackward', { n, C });
    const pi = this.checkIds('embeddingBackward', dtable, ids, n, C);
    const args = [
      this.f(dtable, 0, 'embeddingBackward: dtable'),
      this.f(dout, n * C, 'embeddingBackward: dout'),
      pi,
      n,
      C,
    ];
    this.run(K.kiln_embedding_backward, args, C, 16, n);
  }

  /** Ids must index rows of the table: a bad id would read or write outside it. */
  private checkIds(op: string, table: BufView, ids: BufView, n: number, C: number): number {
    const pi = this.addr(ids, n, 'i32', `${op}: ids`);
    const t = 'buf' in table ? table : { buf: table, offset: 0 };
    const rows = C === 0 ? 0 : Math.floor((t.buf.length - t.offset) / C);
    const idv = this.window(ids, n);
    for (let i = 0; i < n; i++) {
      const id = idv[i];
      if (id < 0 || id >= rows)
        throw new Error(`${this.label}: ${op}: ids[${i}] = ${id} is outside the table's ${rows} rows`);
    }
    return pi;
  }

  // ---- normalization --------------------------------------------------------

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
    this.dims('layernorm', { N, C });
    const args = [
      this.f(out, N * C, 'layernorm: out'),
      this.f(mean, N, 'layernorm: mean'),
      this.f(rstd, N, 'layernorm: rstd'),
      this.f(x, N * C, 'layernorm: x'),
      this.f(w, C, 'layernorm: w'),
      b ? this.f(b, C, 'layernorm: b') : 0,
      C,
      eps,
    ];
    this.run(K.kiln_layernorm, args, N, 1, 4 * C);
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
    this.dims('layernormBackward', { N, C });
    const pdout = this.f(dout, N * C, 'layernormBackward: dout');
    const px = this.f(x, N * C, 'layernormBackward: x');
    const pmean = this.f(mean, N, 'layernormBackward: mean');
    const prstd = this.f(rstd, N, 'layernormBackward: rstd');
    const pw = this.f(w, C, 'layernormBackward: w');
    const pdx = this.f(dx, N * C, 'layernormBackward: dx');
    this.run(K.kiln_layernorm_backward_dx, [pdx, pdout, px, pw, pmean, prstd, C], N, 1, 8 * C);
    const pdw = this.f(dw, C, 'layernormBackward: dw');
    const pdb = db ? this.f(db, C, 'layernormBackward: db') : 0;
    this.run(K.kiln_norm_backward_dw, [pdw, pdb, pdout, px, pmean, prstd, N, C], C, 32, 4 * N);
  }

  rmsnorm(out: BufView, rstd: BufView, x: BufView, w: BufView, N: number, C: number, eps: number): void {
    this.dims('rmsnorm', { N, C });
    const args = [
      this.f(out, N * C, 'rmsnorm: out'),
      this.f(rstd, N, 'rmsnorm: rstd'),
      this.f(x, N * C, 'rmsnorm: x'),
      this.f(w, C, 'rmsnorm: w'),
      C,
      eps,
    ];
    this.run(K.kiln_rmsnorm, args, N, 1, 3 * C);
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
    this.dims('rmsnormBackward', { N, C });
    const pdout = this.f(dout, N * C, 'rmsnormBackward: dout');
    const px = this.f(x, N * C, 'rmsnormBackward: x');
    const prstd = this.f(rstd, N, 'rmsnormBackward: rstd');
    const pw = this.f(w, C, 'rmsnormBackward: w');
    this.run(
      K.kiln_rmsnorm_backward_dx,
      [this.f(dx, N * C, 'rmsnormBackward: dx'), pdout, px, pw, prstd, C],
      N,
      1,
      6 * C,
    );
    this.run(
      K.kiln_norm_backward_dw,
      [this.f(dw, C, 'rmsnormBackward: dw'), 0, pdout, px, 0, prstd, N, C],
      C,
      32,
      4 * N,
    );
  }

  // ---- attention ------------------------------------------------------------

  private attentionCommon(op: string, a: AttentionArgs) {
    const { B, T, H, Hkv, D } = a;
    this.dims(op, { B, T, H, Hkv, D });
    if (Hkv === 0 || H % Hkv !== 0)
      throw new Error(`${this.label}: ${op}: H (${H}) must be a multiple of Hkv (${Hkv})`);
    if (T > ATTENTION_MAX_T) {
      // Scratch holds at least one row of T scores per thread.
      throw new Error(`${this.label}: ${op}: T = ${T} exceeds the supported ${ATTENTION_MAX_T}`);
    }
    const width = (H + 2 * Hkv) * D;
    return {
      qkv: this.f(a.qkv, B * T * width, `${op}: qkv`),
      out: this.f(a.out, B * T * H * D, `${op}: out`),
      lse: this.f(a.lse, B * H * T, `${op}: lse`),
      seg: a.segments ? this.addr(a.segments, B * T, 'i32', `${op}: segments`) : 0,
      scale: a.scale ?? 1 / Math.sqrt(D),
      width,
    };
  }

  attention(a: AttentionArgs): void {
    const { qkv, out, lse, seg, scale } = this.attentionCommon('attention', a);
    const { B, T, H, Hkv, D, causal } = a;
    this.run(K.kiln_attention, [out, lse, qkv, seg, T, H, Hkv, D, causal ? 1 : 0, scale], B * H, 1, 4 * T * T * D);
  }

  attentionBackward(a: AttentionBackwardArgs): void {
    const { qkv, out, lse, seg, scale, width } = this.attentionCommon('attentionBackward', a);
    const { B, T, H, Hkv, D, causal } = a;
    const dout = this.f(a.dout, B * T * H * D, 'attentionBackward: dout');
    const dqkv = this.f(a.dqkv, B * T * width, 'attentionBackward: dqkv');
    const args = [dqkv, dout, qkv, out, lse, seg, T, H, Hkv, D, causal ? 1 : 0, scale];
    this.run(K.kiln_attention_backward, args, B * Hkv, 1, (H / Hkv) * 8 * T * T * D);
  }

  /** Optional inference op: append to a KV cache and attend over it. */
  attentionKV(a: AttentionKVArgs): void {
    const { B, Tq, Tmax, pos, H, Hkv, D } = a;
    this.dims('attentionKV', { B, Tq, Tmax, pos, H, Hkv, D });
    if (Hkv === 0 || H % Hkv !== 0)
      throw new Error(`${this.label}: attentionKV: H (${H}) must be a multiple of Hkv (${Hkv})`);
    if (pos + Tq > Tmax)
      throw new Error(`${this.label}: attentionKV: pos (${pos}) + Tq (${Tq}) exceeds the cache's Tmax (${Tmax})`);
    if (Tmax > this.scratchFloats)
      throw new Error(`${this.label}: attentionKV: Tmax = ${Tmax} exceeds the supported ${this.scratchFloats}`);
    const args = [
      this.f(a.out, B * Tq * H * D, 'attentionKV: out'),
      this.f(a.kCache, B * Tmax * Hkv * D, 'attentionKV: kCache'),
      this.f(a.vCache, B * Tmax * Hkv * D, 'attentionKV: vCache'),
      this.f(a.qkv, B * Tq * (H + 2 * Hkv) * D, 'attentionKV: qkv'),
      Tq,
      Tmax,
      pos,
      H,
      Hkv,
      D,
      a.scale ?? 1 / Math.sqrt(D),
    ];
    this.run(K.kiln_attention_kv, args, B * Hkv, 1, (H / Hkv) * Tq * (pos + Tq) * D * 4);
  }

  /** Optional inference op: one new token in each of several cache rows, each at its own position. */
  attentionKVRows(a: AttentionKVRowsArgs): void {
    const { n, B, Tmax, H, Hkv, D } = a;
    this.dims('attentionKVRows', { n, B, Tmax, H, Hkv, D });
    if (Hkv === 0 || H % Hkv !== 0)
      throw new Error(`${this.label}: attentionKVRows: H (${H}) must be a multiple of Hkv (${Hkv})`);
    if (Tmax > this.scratchFloats)
      throw new Error(`${this.label}: attentionKVRows: Tmax = ${Tmax} exceeds the supported ${this.scratchFloats}`);
    const rows = this.addr(a.rows, n, 'i32', 'attentionKVRows: rows');
    const positions = this.addr(a.positions, n, 'i32', 'attentionKVRows: positions');
    checkCacheRows(
      `${this.label}: attentionKVRows`,
      this.window(a.rows, n) as Int32Array,
      this.window(a.positions, n) as Int32Array,
      n,
      B,
      Tmax,
    );
    const args = [
      this.f(a.out, n * H * D, 'attentionKVRows: out'),
      this.f(a.kCache, B * Tmax * Hkv * D, 'attentionKVRows: kCache'),
      this.f(a.vCache, B * Tmax * Hkv * D, 'attentionKVRows: vCache'),
      this.f(a.qkv, n * (H + 2 * Hkv) * D, 'attentionKVRows: qkv'),
      rows,
      positions,
      Tmax,
      H,
      Hkv,
      D,
      a.scale ?? 1 / Math.sqrt(D),
    ];
    this.run(K.kiln_attention_kv_rows, args, n * Hkv, 1, (H / Hkv) * Tmax * D * 4);
  }

  /** Checks a quantized weight of `rows` rows of K weights; returns its data and scales addresses. */
  private quantized(op: string, w: QuantizedWeight, rows: number, K: number): { data: number; scales: number } {
    if (w.bits !== 4 && w.bits !== 8) throw new Error(`${this.label}: ${op}: bits must be 4 or 8, got ${w.bits}`);
    if (!Number.isInteger(w.group) || w.group <= 0 || w.group % 2 !== 0 || K % w.group !== 0) {
      throw new Error(`${this.label}: ${op}: group (${w.group}) must be even and divide K (${K})`);
    }
    if (K > this.scratchFloats)
      throw new Error(`${this.label}: ${op}: K = ${K} exceeds the supported ${this.scratchFloats}`);
    const bytes = w.bits === 8 ? rows * K : (rows * K) / 2;
    return {
      data: this.addr(w.data, bytes, 'i8', `${op}: w.data`),
      scales: this.f(w.scales, rows * (K / w.group), `${op}: w.scales`),
    };
  }

  /** Optional inference op: out = a · dequant(w)ᵀ (+ bias) (+ out), w in nn.Linear's [N,K] layout. */
  matmulQ(a: MatmulQArgs): void {
    const { M, N, K: k } = a;
    this.dims('matmulQ', { M, N, K: k });
    const w = this.quantized('matmulQ', a.w, N, k);
    const args = [
      this.f(a.out, M * N, 'matmulQ: out'),
      this.f(a.a, M * k, 'matmulQ: a'),
      w.data,
      w.scales,
      a.bias ? this.f(a.bias, N, 'matmulQ: bias') : 0,
      M,
      N,
      k,
      a.w.bits,
      a.w.group,
      a.accumulate ? 1 : 0,
    ];
    this.run(K.kiln_matmul_q, args, N, 4, 2 * M * k + 2 * k);
  }

  /** Optional inference op: rows of a quantized (V,C) table. */
  embeddingQ(out: BufView, table: QuantizedWeight, ids: BufView, n: number, C: number): void {
    this.dims('embeddingQ', { n, C });
    // The table's row count: what both its data and its scales can hold.
    const span = (v: BufView) => ('buf' in v ? v.buf.length - v.offset : v.length);
    const rowBytes = table.bits === 8 ? C : C / 2;
    const groups = table.group > 0 ? C / table.group : 0;
    const rows =
      groups > 0 && rowBytes > 0
        ? Math.min(Math.floor(span(table.data) / rowBytes), Math.floor(span(table.scales) / groups))
        : 0;
    const w = this.quantized('embeddingQ', table, rows, C);
    const pi = this.addr(ids, n, 'i32', 'embeddingQ: ids');
    const idv = this.window(ids, n);
    for (let i = 0; i < n; i++) {
      const id = idv[i];
      if (id < 0 || id >= rows)
        throw new Error(`${this.label}: embeddingQ: ids[${i}] = ${id} is outside the table's ${rows} rows`);
    }
    this.run(
      K.kiln_embedding_q,
      [this.f(out, n * C, 'embeddingQ: out'), w.data, w.scales, pi, C, table.bits, table.group],
      n,
      1,
      2 * C,
    );
  }

  /** cos/sin tables [T, D/2] for rope, computed in f64 and cached by shape. */
  private ropeTable(T: number, D: number, theta: number, posOffset: number): { cos: number; sin: number } {
    const key = `${T}:${D}:${theta}:${posOffset}`;
    let t = this.ropeTables.get(key);
    if (!t) {
      const half = D / 2;
      const cos = new Float32Array(T * half);
      const sin = new Float32Array(T * half);
      for (let p = 0; p < T; p++) {
        for (let i = 0; i < half; i++) {
          const angle = (posOffset + p) * theta ** (-(2 * i) / D);
          cos[p * half + i] = Math.cos(angle);
          sin[p * half + i] = Math.sin(angle);
        }
      }
      if (this.ropeTables.size >= 16) {
        const [oldKey, old] = this.ropeTables.entries().next().value!;
        this.free(old.cos);
        this.free(old.sin);
        this.ropeTables.delete(oldKey);
      }
      t = { cos: this.alloc('f32', cos.length) as KernelBuf, sin: this.alloc('f32', sin.length) as KernelBuf };
      this.write(t.cos, cos);
      this.write(t.sin, sin);
      this.ropeTables.set(key, t);
    }
    return { cos: t.cos.ptr, sin: t.sin.ptr };
  }

  private ropeCommon(op: string, r: Omit<RopeArgs, 'out' | 'inp'>) {
    const { B, T, H, Hkv, D } = r;
    this.dims(op, { B, T, H, Hkv, D });
    if (D % 2 !== 0) throw new Error(`${this.label}: ${op}: D must be even, got ${D}`);
    return { n: B * T * (H + 2 * Hkv) * D, table: this.ropeTable(T, D, r.theta, r.posOffset ?? 0) };
  }

  rope(r: RopeArgs): void {
    const { n, table } = this.ropeCommon('rope', r);
    const args = [
      this.f(r.out, n, 'rope: out'),
      this.f(r.inp, n, 'rope: inp'),
      table.cos,
      table.sin,
      r.T,
      r.H,
      r.Hkv,
      r.D,
    ];
    this.run(K.kiln_rope, args, r.B * r.T, 1, 3 * (r.H + 2 * r.Hkv) * r.D);
  }

  ropeBackward(r: { dinp: BufView; dout: BufView } & Omit<RopeArgs, 'out' | 'inp'>): void {
    const { n, table } = this.ropeCommon('ropeBackward', r);
    const args = [
      this.f(r.dinp, n, 'ropeBackward: dinp'),
      this.f(r.dout, n, 'ropeBackward: dout'),
      table.cos,
      table.sin,
      r.T,
      r.H,
      r.Hkv,
      r.D,
    ];
    this.run(K.kiln_rope_backward, args, r.B * r.T, 1, 3 * (r.H + 2 * r.Hkv) * r.D);
  }

  // ---- pointwise --------------------------------------------------------------

  gelu(out: BufView, x: BufView, n: number): void {
    this.dims('gelu', { n });
    this.run(K.kiln_gelu, [this.f(out, n, 'gelu: out'), this.f(x, n, 'gelu: x')], n, 1024, 20);
  }

  geluBackward(dx: BufView, dout: BufView, x: BufView, n: number): void {
    this.dims('geluBackward', { n });
    this.run(
      K.kiln_gelu_backward,
      [this.f(dx, n, 'geluBackward: dx'), this.f(dout, n, 'geluBackward: dout'), this.f(x, n, 'geluBackward: x')],
      n,
      1024,
      30,
    );
  }

  swiglu(out: BufView, x: BufView, N: number, F: number): void {
    this.dims('swiglu', { N, F });
    this.run(K.kiln_swiglu, [this.f(out, N * F, 'swiglu: out'), this.f(x, 2 * N * F, 'swiglu: x'), F], N, 1, 20 * F);
  }

  swigluBackward(dx: BufView, dout: BufView, x: BufView, N: number, F: number): void {
    this.dims('swigluBackward', { N, F });
    const args = [
      this.f(dx, 2 * N * F, 'swigluBackward: dx'),
      this.f(dout, N * F, 'swigluBackward: dout'),
      this.f(x, 2 * N * F, 'swigluBackward: x'),
      F,
    ];
    this.run(K.kiln_swiglu_backward, args, N, 1, 30 * F);
  }

  add(out: BufView, a: BufView, b: BufView, n: number): void {
    this.dims('add', { n });
    this.run(K.kiln_add, [this.f(out, n, 'add: out'), this.f(a, n, 'add: a'), this.f(b, n, 'add: b')], n, 1024, 1);
  }

  axpy(y: BufView, x: BufView, alpha: number, n: number): void {
    this.dims('axpy', { n });
    this.run(K.kiln_axpy, [this.f(y, n, 'axpy: y'), this.f(x, n, 'axpy: x'), alpha], n, 1024, 1);
  }

  scale(x: BufView, alpha: number, n: number): void {
    this.dims('scale', { n });
    this.run(K.kiln_scale, [this.f(x, n, 'scale: x'), alpha], n, 1024, 1);
  }

  // ---- loss -------------------------------------------------------------------

  private checkTargets(op: string, targets: BufView, N: number, V: number, ignoreIndex: number): number {
    const p = this.addr(targets, N, 'i32', `${op}: targets`);
    const tv = this.window(targets, N);
    for (let i = 0; i < N; i++) {
      const t = tv[i];
      if (t !== ignoreIndex && (t < 0 || t >= V))
        throw new Error(`${this.label}: ${op}: targets[${i}] = ${t} is outside the vocabulary of ${V}`);
    }
    return p;
  }

  crossEntropy(
    losses: BufView,
    logits: BufView,
    targets: BufView,
    N: number,
    V: number,
    ignoreIndex: number,
    lse?: BufView,
  ): void {
    this.dims('crossEntropy', { N, V });
    const pt = this.checkTargets('crossEntropy', targets, N, V, ignoreIndex);
    const plse = lse ? this.f(lse, N, 'crossEntropy: lse') : 0;
    const args = [
      this.f(losses, N, 'crossEntropy: losses'),
      this.f(logits, N * V, 'crossEntropy: logits'),
      pt,
      V,
      ignoreIndex,
      plse,
    ];
    this.run(K.kiln_cross_entropy, args, N, 1, 20 * V);
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
    this.dims('crossEntropyBackward', { N, V });
    const pt = this.checkTargets('crossEntropyBackward', targets, N, V, ignoreIndex);
    const args = [
      this.f(dlogits, N * V, 'crossEntropyBackward: dlogits'),
      this.f(logits, N * V, 'crossEntropyBackward: logits'),
      pt,
      this.f(dloss, N, 'crossEntropyBackward: dloss'),
      V,
      ignoreIndex,
      lse ? this.f(lse, N, 'crossEntropyBackward: lse') : 0,
    ];
    this.run(K.kiln_cross_entropy_backward, args, N, 1, (lse ? 20 : 40) * V);
  }

  // ---- optimizer --------------------------------------------------------------

  sumSquares(out: BufView, x: BufView, n: number, accumulate: boolean): void {
    this.dims('sumSquares', { n });
    this.f(out, 1, 'sumSquares: out');
    const px = this.f(x, n, 'sumSquares: x');
    const chunks = Math.ceil(n / SQ_CHUNK);
    if (!this.partials || this.partials.length < chunks) {
      if (this.partials) this.free(this.partials);
      this.partials = this.alloc('f32', Math.max(chunks, 1024)) as KernelBuf;
    }
    this.run(K.kiln_sum_squares_partial, [this.partials.ptr, px, n, SQ_CHUNK], chunks, 1, 2 * SQ_CHUNK);
    // Sum the chunk partials in order, in f64: the same bits on any thread count.
    const partials = this.window(this.partials, chunks);
    let total = 0;
    for (let i = 0; i < chunks; i++) total += partials[i];
    const o = this.window(out, 1);
    o[0] = accumulate ? o[0] + total : total;
  }

  adamw(a: AdamWArgs): void {
    const { n } = a;
    this.dims('adamw', { n });
    if (!(a.step >= 1)) throw new Error(`${this.label}: adamw: step is 1-based, got ${a.step}`);
    const args = [
      this.f(a.param, n, 'adamw: param'),
      this.f(a.grad, n, 'adamw: grad'),
      this.f(a.m, n, 'adamw: m'),
      this.f(a.v, n, 'adamw: v'),
      1 - a.lr * a.weightDecay,
      a.beta1,
      a.beta2,
      a.eps,
      a.lr / (1 - a.beta1 ** a.step),
      Math.sqrt(1 - a.beta2 ** a.step),
      a.gradScale ?? 1,
    ];
    this.run(K.kiln_adamw, args, n, 1024, 12);
  }
}
