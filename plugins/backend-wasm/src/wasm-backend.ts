/**
 * WasmBackend: the Backend contract on Rust kernels compiled to wasm32
 * SIMD, run on the main thread plus a pool of worker threads that share one
 * WebAssembly.Memory. Tensors are byte addresses in that memory; ops run
 * synchronously (so `read` resolves at once) and split their work by rows,
 * columns or chunks whose results never depend on the split: one thread and
 * N threads give identical bits.
 */
import { availableParallelism, cpus } from 'node:os';
import type {
  AdamWArgs, AttentionArgs, AttentionBackwardArgs, AttentionKVArgs, Backend, BackendInfo, Buf, BufView, DType,
  MatmulArgs, MatmulQArgs, QuantizedWeight, RopeArgs,
} from '@kiln/tensor';
import { CachingAllocator, type AllocatorStats } from './allocator.js';
import { addr, BYTES, WasmBuf } from './buffer.js';
import { ATTENTION_MAX_T, instantiateKernels, K, KERNELS, type KernelInstance } from './kernels.js';
import { ThreadPool } from './pool.js';
import { warmUp } from './warmup.js';

export interface WasmBackendOptions {
  /** Threads including the main one; default: every core (os.availableParallelism()). */
  threads?: number;
  /** Skip the kernel warm-up (tests that time nothing). Default false. */
  skipWarmup?: boolean;
}

/** Below this many flops (or bytes touched) an op runs inline on the main thread. */
const INLINE_COST = 1 << 17;
/** Elements per sumSquares chunk: fixed, so the partial sums never depend on threads. */
const SQ_CHUNK = 16384;
// Flags of kiln_matmul (rust-kernels/src/matmul.rs).
const TRANS_A = 1, TRANS_B = 2, ACCUMULATE = 4, SPLIT_N = 8;

type HostArray = Float32Array | Int32Array | Int8Array;

// fill(): an f32 value's bit pattern, read through an Int32Array alias.
const fillWord = new ArrayBuffer(4);
const fillF32 = new Float32Array(fillWord);
const fillBits = new Int32Array(fillWord);

export class WasmBackend implements Backend {
  readonly info: BackendInfo;
  private readonly memory: WebAssembly.Memory;
  private readonly allocator: CachingAllocator;
  private readonly ropeTables = new Map<string, { cos: WasmBuf; sin: WasmBuf }>();
  private partials: WasmBuf | undefined;
  private viewBuffer: ArrayBufferLike | undefined;
  private u8!: Uint8Array;
  private f32!: Float32Array;
  private i32!: Int32Array;
  private i8!: Int8Array;
  /** When set, every op is split over all threads (warm-up, tests). */
  forceThreads = false;

  private constructor(
    private readonly kernels: KernelInstance,
    private readonly pool: ThreadPool,
  ) {
    this.memory = kernels.memory;
    this.allocator = new CachingAllocator(kernels.memory, kernels.heapStart);
    const cpu = cpus()[0]?.model?.trim() || 'unknown CPU';
    this.info = {
      name: 'wasm',
      device: `${cpu}, ${pool.threads} thread${pool.threads === 1 ? '' : 's'}, wasm32 simd128`,
      threads: pool.threads,
      simd: true,
      maxMemoryBytes: 2 ** 32,
    };
  }

  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new Error(`@kiln/backend-wasm: threads must be an integer from 1 to 256, got ${threads}`);
    }
    const kernels = await instantiateKernels(threads);
    const pool = await ThreadPool.create({
      module: kernels.module, memory: kernels.memory, names: KERNELS,
      mainFns: kernels.fns, threads, stackTops: kernels.stackTops, scratch: kernels.scratch,
    });
    const backend = new WasmBackend(kernels, pool);
    if (!options.skipWarmup) warmUp(backend);
    return backend;
  }

  /** Allocator figures: live, cached and total bytes (for memory tests and doctor). */
  memoryStats(): AllocatorStats {
    return this.allocator.stats();
  }

  // ---- memory ------------------------------------------------------------

  private views(): void {
    const buffer = this.memory.buffer;
    if (buffer === this.viewBuffer && this.u8.byteLength === buffer.byteLength) return;
    this.viewBuffer = buffer;
    this.u8 = new Uint8Array(buffer);
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.i8 = new Int8Array(buffer);
  }

  private typed(dtype: DType): HostArray {
    this.views();
    return dtype === 'f32' ? this.f32 : dtype === 'i32' ? this.i32 : this.i8;
  }

  alloc(dtype: DType, length: number): Buf {
    if (!(dtype in BYTES)) throw new Error(`@kiln/backend-wasm: alloc: unknown dtype '${dtype}'`);
    if (!Number.isInteger(length) || length < 0) throw new Error(`@kiln/backend-wasm: alloc: length must be a non-negative integer, got ${length}`);
    const bytes = length * BYTES[dtype];
    const { ptr, size, fresh } = this.allocator.alloc(bytes);
    // Fresh blocks are zero already; reused ones are cleared with memory.fill.
    if (!fresh && bytes > 0) this.run(K.kiln_fill_bytes, [ptr, 0], bytes, 1 << 16, 1);
    return new WasmBuf(this, dtype, length, ptr, size);
  }

  free(buf: Buf): void {
    const b = buf as WasmBuf;
    if (!(b instanceof WasmBuf) || b.owner !== this) throw new Error('@kiln/backend-wasm: free: not a buffer of this backend');
    if (b.freed) throw new Error('@kiln/backend-wasm: free: buffer freed twice');
    b.freed = true;
    this.allocator.release(b.ptr, b.blockBytes);
  }

  write(buf: Buf, data: HostArray, offset = 0): void {
    const want = buf.dtype === 'f32' ? Float32Array : buf.dtype === 'i32' ? Int32Array : Int8Array;
    if (!(data instanceof want)) throw new Error(`@kiln/backend-wasm: write: a ${buf.dtype} buffer needs a ${want.name}, got ${data?.constructor?.name}`);
    const p = addr(this, { buf, offset }, data.length, buf.dtype, 'write: buf');
    this.typed(buf.dtype).set(data, p / BYTES[buf.dtype]);
  }

  read(buf: Buf, offset = 0, length?: number): Promise<HostArray> {
    const n = length ?? buf.length - offset;
    const p = addr(this, { buf, offset }, n, buf.dtype, 'read: buf');
    const start = p / BYTES[buf.dtype];
    return Promise.resolve(this.typed(buf.dtype).slice(start, start + n));
  }

  copy(dst: BufView, src: BufView, n: number): void {
    const dtype = ('buf' in src ? src.buf : src).dtype;
    const d = addr(this, dst, n, dtype, 'copy: dst');
    const s = addr(this, src, n, dtype, 'copy: src');
    const bytes = n * BYTES[dtype];
    // Overlapping ranges need one memmove; disjoint ones split over threads.
    const overlap = d < s + bytes && s < d + bytes;
    this.run(K.kiln_copy_bytes, [d, s], bytes, 1 << 16, overlap ? 0 : 1);
  }

  fill(buf: BufView, value: number, n: number): void {
    const dtype = ('buf' in buf ? buf.buf : buf).dtype;
    const p = addr(this, buf, n, dtype, 'fill: buf');
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

  async dispose(): Promise<void> {
    await this.pool.dispose();
  }

  // ---- dispatch -------------------------------------------------------------

  /** costPerUnit 0: always on the main thread alone (a kernel that must not be split). */
  private run(kernel: number, args: number[], units: number, grain: number, costPerUnit: number): void {
    const split = costPerUnit > 0 && (this.forceThreads || units * costPerUnit >= INLINE_COST);
    const threads = split ? this.pool.threads : 1;
    this.pool.run(kernel, args, units, grain, threads);
  }

  private f(view: BufView, n: number, what: string): number {
    return addr(this, view, n, 'f32', what);
  }

  // ---- linear algebra -----------------------------------------------------

  matmul({ out, a, b, bias, M, N, K: k, transA, transB, accumulate }: MatmulArgs): void {
    dims('matmul', { M, N, K: k });
    const o = this.f(out, M * N, 'matmul: out');
    const pa = this.f(a, M * k, 'matmul: a');
    const pb = this.f(b, k * N, 'matmul: b');
    const pbias = bias ? this.f(bias, N, 'matmul: bias') : 0;
    // Split the larger side: each thread packs the other operand whole.
    const splitN = N > M;
    const flags = (transA ? TRANS_A : 0) | (transB ? TRANS_B : 0) | (accumulate ? ACCUMULATE : 0) | (splitN ? SPLIT_N : 0);
    const args = [o, pa, pb, pbias, M, N, k, flags];
    if (splitN) this.run(K.kiln_matmul, args, N, 8, 2 * M * Math.max(k, 1));
    else this.run(K.kiln_matmul, args, M, 4, 2 * N * Math.max(k, 1));
  }

  biasBackward(dbias: BufView, dout: BufView, M: number, N: number): void {
    dims('biasBackward', { M, N });
    const args = [this.f(dbias, N, 'biasBackward: dbias'), this.f(dout, M * N, 'biasBackward: dout'), M, N];
    this.run(K.kiln_bias_backward, args, N, 64, M);
  }

  // ---- embeddings -----------------------------------------------------------

  embedding(out: BufView, table: BufView, ids: BufView, n: number, C: number): void {
    dims('embedding', { n, C });
    const pi = this.checkIds('embedding', table, ids, n, C);
    const args = [this.f(out, n * C, 'embedding: out'), this.f(table, 0, 'embedding: table'), pi, C];
    this.run(K.kiln_embedding, args, n, 1, C);
  }

  embeddingBackward(dtable: BufView, dout: BufView, ids: BufView, n: number, C: number): void {
    dims('embeddingBackward', { n, C });
    const pi = this.checkIds('embeddingBackward', dtable, ids, n, C);
    const args = [this.f(dtable, 0, 'embeddingBackward: dtable'), this.f(dout, n * C, 'embeddingBackward: dout'), pi, n, C];
    this.run(K.kiln_embedding_backward, args, C, 16, n);
  }

  /** Ids must index rows of the table: a bad id would read or write outside it. */
  private checkIds(op: string, table: BufView, ids: BufView, n: number, C: number): number {
    const pi = addr(this, ids, n, 'i32', `${op}: ids`);
    const t = 'buf' in table ? table : { buf: table, offset: 0 };
    const rows = C === 0 ? 0 : Math.floor((t.buf.length - t.offset) / C);
    this.views();
    const base = pi >>> 2; // addresses reach 4 GiB: unsigned shifts only
    for (let i = 0; i < n; i++) {
      const id = this.i32[base + i];
      if (id < 0 || id >= rows) throw new Error(`@kiln/backend-wasm: ${op}: ids[${i}] = ${id} is outside the table's ${rows} rows`);
    }
    return pi;
  }

  // ---- normalization --------------------------------------------------------

  layernorm(out: BufView, mean: BufView, rstd: BufView, x: BufView, w: BufView, b: BufView | null, N: number, C: number, eps: number): void {
    dims('layernorm', { N, C });
    const args = [
      this.f(out, N * C, 'layernorm: out'), this.f(mean, N, 'layernorm: mean'), this.f(rstd, N, 'layernorm: rstd'),
      this.f(x, N * C, 'layernorm: x'), this.f(w, C, 'layernorm: w'), b ? this.f(b, C, 'layernorm: b') : 0, C, eps,
    ];
    this.run(K.kiln_layernorm, args, N, 1, 4 * C);
  }

  layernormBackward(dx: BufView, dw: BufView, db: BufView | null, dout: BufView, x: BufView, w: BufView, mean: BufView, rstd: BufView, N: number, C: number): void {
    dims('layernormBackward', { N, C });
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
    dims('rmsnorm', { N, C });
    const args = [this.f(out, N * C, 'rmsnorm: out'), this.f(rstd, N, 'rmsnorm: rstd'), this.f(x, N * C, 'rmsnorm: x'), this.f(w, C, 'rmsnorm: w'), C, eps];
    this.run(K.kiln_rmsnorm, args, N, 1, 3 * C);
  }

  rmsnormBackward(dx: BufView, dw: BufView, dout: BufView, x: BufView, w: BufView, rstd: BufView, N: number, C: number): void {
    dims('rmsnormBackward', { N, C });
    const pdout = this.f(dout, N * C, 'rmsnormBackward: dout');
    const px = this.f(x, N * C, 'rmsnormBackward: x');
    const prstd = this.f(rstd, N, 'rmsnormBackward: rstd');
    const pw = this.f(w, C, 'rmsnormBackward: w');
    this.run(K.kiln_rmsnorm_backward_dx, [this.f(dx, N * C, 'rmsnormBackward: dx'), pdout, px, pw, prstd, C], N, 1, 6 * C);
    this.run(K.kiln_norm_backward_dw, [this.f(dw, C, 'rmsnormBackward: dw'), 0, pdout, px, 0, prstd, N, C], C, 32, 4 * N);
  }

  // ---- attention ------------------------------------------------------------

  private attentionCommon(op: string, a: AttentionArgs) {
    const { B, T, H, Hkv, D } = a;
    dims(op, { B, T, H, Hkv, D });
    if (Hkv === 0 || H % Hkv !== 0) throw new Error(`@kiln/backend-wasm: ${op}: H (${H}) must be a multiple of Hkv (${Hkv})`);
    if (T > ATTENTION_MAX_T) {
      // Scratch holds at least one row of T scores per thread.
      throw new Error(`@kiln/backend-wasm: ${op}: T = ${T} exceeds the supported ${ATTENTION_MAX_T}`);
    }
    const width = (H + 2 * Hkv) * D;
    return {
      qkv: this.f(a.qkv, B * T * width, `${op}: qkv`),
      out: this.f(a.out, B * T * H * D, `${op}: out`),
      lse: this.f(a.lse, B * H * T, `${op}: lse`),
      seg: a.segments ? addr(this, a.segments, B * T, 'i32', `${op}: segments`) : 0,
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
    dims('attentionKV', { B, Tq, Tmax, pos, H, Hkv, D });
    if (Hkv === 0 || H % Hkv !== 0) throw new Error(`@kiln/backend-wasm: attentionKV: H (${H}) must be a multiple of Hkv (${Hkv})`);
    if (pos + Tq > Tmax) throw new Error(`@kiln/backend-wasm: attentionKV: pos (${pos}) + Tq (${Tq}) exceeds the cache's Tmax (${Tmax})`);
    if (Tmax > this.kernels.scratchFloats) throw new Error(`@kiln/backend-wasm: attentionKV: Tmax = ${Tmax} exceeds the supported ${this.kernels.scratchFloats}`);
    const args = [
      this.f(a.out, B * Tq * H * D, 'attentionKV: out'), this.f(a.kCache, B * Tmax * Hkv * D, 'attentionKV: kCache'),
      this.f(a.vCache, B * Tmax * Hkv * D, 'attentionKV: vCache'), this.f(a.qkv, B * Tq * (H + 2 * Hkv) * D, 'attentionKV: qkv'),
      Tq, Tmax, pos, H, Hkv, D, a.scale ?? 1 / Math.sqrt(D),
    ];
    this.run(K.kiln_attention_kv, args, B * Hkv, 1, (H / Hkv) * Tq * (pos + Tq) * D * 4);
  }

  /** Checks a quantized weight of `rows` rows of K weights; returns its data and scales addresses. */
  private quantized(op: string, w: QuantizedWeight, rows: number, K: number): { data: number; scales: number } {
    if (w.bits !== 4 && w.bits !== 8) throw new Error(`@kiln/backend-wasm: ${op}: bits must be 4 or 8, got ${w.bits}`);
    if (!Number.isInteger(w.group) || w.group <= 0 || w.group % 2 !== 0 || K % w.group !== 0) {
      throw new Error(`@kiln/backend-wasm: ${op}: group (${w.group}) must be even and divide K (${K})`);
    }
    if (K > this.kernels.scratchFloats) throw new Error(`@kiln/backend-wasm: ${op}: K = ${K} exceeds the supported ${this.kernels.scratchFloats}`);
    const bytes = w.bits === 8 ? rows * K : (rows * K) / 2;
    return { data: addr(this, w.data, bytes, 'i8', `${op}: w.data`), scales: this.f(w.scales, rows * (K / w.group), `${op}: w.scales`) };
  }

  /** Optional inference op: out = a · dequant(w)ᵀ (+ bias) (+ out), w in nn.Linear's [N,K] layout. */
  matmulQ(a: MatmulQArgs): void {
    const { M, N, K: k } = a;
    dims('matmulQ', { M, N, K: k });
    const w = this.quantized('matmulQ', a.w, N, k);
    const args = [
      this.f(a.out, M * N, 'matmulQ: out'), this.f(a.a, M * k, 'matmulQ: a'), w.data, w.scales,
      a.bias ? this.f(a.bias, N, 'matmulQ: bias') : 0, M, N, k, a.w.bits, a.w.group, a.accumulate ? 1 : 0,
    ];
    this.run(K.kiln_matmul_q, args, N, 4, 2 * M * k + 2 * k);
  }

  /** Optional inference op: rows of a quantized (V,C) table. */
  embeddingQ(out: BufView, table: QuantizedWeight, ids: BufView, n: number, C: number): void {
    dims('embeddingQ', { n, C });
    // The table's row count: what both its data and its scales can hold.
    const span = (v: BufView) => ('buf' in v ? v.buf.length - v.offset : v.length);
    const rowBytes = table.bits === 8 ? C : C / 2;
    const groups = table.group > 0 ? C / table.group : 0;
    const rows = groups > 0 && rowBytes > 0 ? Math.min(Math.floor(span(table.data) / rowBytes), Math.floor(span(table.scales) / groups)) : 0;
    const w = this.quantized('embeddingQ', table, rows, C);
    const pi = addr(this, ids, n, 'i32', 'embeddingQ: ids');
    this.views();
    for (let i = 0, base = pi >>> 2; i < n; i++) {
      const id = this.i32[base + i];
      if (id < 0 || id >= rows) throw new Error(`@kiln/backend-wasm: embeddingQ: ids[${i}] = ${id} is outside the table's ${rows} rows`);
    }
    this.run(K.kiln_embedding_q, [this.f(out, n * C, 'embeddingQ: out'), w.data, w.scales, pi, C, table.bits, table.group], n, 1, 2 * C);
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
      t = { cos: this.alloc('f32', cos.length) as WasmBuf, sin: this.alloc('f32', sin.length) as WasmBuf };
      this.write(t.cos, cos);
      this.write(t.sin, sin);
      this.ropeTables.set(key, t);
    }
    return { cos: t.cos.ptr, sin: t.sin.ptr };
  }

  private ropeCommon(op: string, r: Omit<RopeArgs, 'out' | 'inp'>) {
    const { B, T, H, Hkv, D } = r;
    dims(op, { B, T, H, Hkv, D });
    if (D % 2 !== 0) throw new Error(`@kiln/backend-wasm: ${op}: D must be even, got ${D}`);
    return { n: B * T * (H + 2 * Hkv) * D, table: this.ropeTable(T, D, r.theta, r.posOffset ?? 0) };
  }

  rope(r: RopeArgs): void {
    const { n, table } = this.ropeCommon('rope', r);
    const args = [this.f(r.out, n, 'rope: out'), this.f(r.inp, n, 'rope: inp'), table.cos, table.sin, r.T, r.H, r.Hkv, r.D];
    this.run(K.kiln_rope, args, r.B * r.T, 1, 3 * (r.H + 2 * r.Hkv) * r.D);
  }

  ropeBackward(r: { dinp: BufView; dout: BufView } & Omit<RopeArgs, 'out' | 'inp'>): void {
    const { n, table } = this.ropeCommon('ropeBackward', r);
    const args = [this.f(r.dinp, n, 'ropeBackward: dinp'), this.f(r.dout, n, 'ropeBackward: dout'), table.cos, table.sin, r.T, r.H, r.Hkv, r.D];
    this.run(K.kiln_rope_backward, args, r.B * r.T, 1, 3 * (r.H + 2 * r.Hkv) * r.D);
  }

  // ---- pointwise --------------------------------------------------------------

  gelu(out: BufView, x: BufView, n: number): void {
    dims('gelu', { n });
    this.run(K.kiln_gelu, [this.f(out, n, 'gelu: out'), this.f(x, n, 'gelu: x')], n, 1024, 20);
  }

  geluBackward(dx: BufView, dout: BufView, x: BufView, n: number): void {
    dims('geluBackward', { n });
    this.run(K.kiln_gelu_backward, [this.f(dx, n, 'geluBackward: dx'), this.f(dout, n, 'geluBackward: dout'), this.f(x, n, 'geluBackward: x')], n, 1024, 30);
  }

  swiglu(out: BufView, x: BufView, N: number, F: number): void {
    dims('swiglu', { N, F });
    this.run(K.kiln_swiglu, [this.f(out, N * F, 'swiglu: out'), this.f(x, 2 * N * F, 'swiglu: x'), F], N, 1, 20 * F);
  }

  swigluBackward(dx: BufView, dout: BufView, x: BufView, N: number, F: number): void {
    dims('swigluBackward', { N, F });
    const args = [this.f(dx, 2 * N * F, 'swigluBackward: dx'), this.f(dout, N * F, 'swigluBackward: dout'), this.f(x, 2 * N * F, 'swigluBackward: x'), F];
    this.run(K.kiln_swiglu_backward, args, N, 1, 30 * F);
  }

  add(out: BufView, a: BufView, b: BufView, n: number): void {
    dims('add', { n });
    this.run(K.kiln_add, [this.f(out, n, 'add: out'), this.f(a, n, 'add: a'), this.f(b, n, 'add: b')], n, 1024, 1);
  }

  axpy(y: BufView, x: BufView, alpha: number, n: number): void {
    dims('axpy', { n });
    this.run(K.kiln_axpy, [this.f(y, n, 'axpy: y'), this.f(x, n, 'axpy: x'), alpha], n, 1024, 1);
  }

  scale(x: BufView, alpha: number, n: number): void {
    dims('scale', { n });
    this.run(K.kiln_scale, [this.f(x, n, 'scale: x'), alpha], n, 1024, 1);
  }

  // ---- loss -------------------------------------------------------------------

  private checkTargets(op: string, targets: BufView, N: number, V: number, ignoreIndex: number): number {
    const p = addr(this, targets, N, 'i32', `${op}: targets`);
    this.views();
    for (let i = 0, base = p >>> 2; i < N; i++) {
      const t = this.i32[base + i];
      if (t !== ignoreIndex && (t < 0 || t >= V)) throw new Error(`@kiln/backend-wasm: ${op}: targets[${i}] = ${t} is outside the vocabulary of ${V}`);
    }
    return p;
  }

  crossEntropy(losses: BufView, logits: BufView, targets: BufView, N: number, V: number, ignoreIndex: number): void {
    dims('crossEntropy', { N, V });
    const pt = this.checkTargets('crossEntropy', targets, N, V, ignoreIndex);
    const args = [this.f(losses, N, 'crossEntropy: losses'), this.f(logits, N * V, 'crossEntropy: logits'), pt, V, ignoreIndex];
    this.run(K.kiln_cross_entropy, args, N, 1, 20 * V);
  }

  crossEntropyBackward(dlogits: BufView, logits: BufView, targets: BufView, dloss: BufView, N: number, V: number, ignoreIndex: number): void {
    dims('crossEntropyBackward', { N, V });
    const pt = this.checkTargets('crossEntropyBackward', targets, N, V, ignoreIndex);
    const args = [
      this.f(dlogits, N * V, 'crossEntropyBackward: dlogits'), this.f(logits, N * V, 'crossEntropyBackward: logits'), pt,
      this.f(dloss, N, 'crossEntropyBackward: dloss'), V, ignoreIndex,
    ];
    this.run(K.kiln_cross_entropy_backward, args, N, 1, 40 * V);
  }

  // ---- optimizer --------------------------------------------------------------

  sumSquares(out: BufView, x: BufView, n: number, accumulate: boolean): void {
    dims('sumSquares', { n });
    const po = this.f(out, 1, 'sumSquares: out');
    const px = this.f(x, n, 'sumSquares: x');
    const chunks = Math.ceil(n / SQ_CHUNK);
    if (!this.partials || this.partials.length < chunks) {
      if (this.partials) this.free(this.partials);
      this.partials = this.alloc('f32', Math.max(chunks, 1024)) as WasmBuf;
    }
    this.run(K.kiln_sum_squares_partial, [this.partials.ptr, px, n, SQ_CHUNK], chunks, 1, 2 * SQ_CHUNK);
    // Sum the chunk partials in order, in f64: the same bits on any thread count.
    this.views();
    let total = 0;
    for (let i = 0, base = this.partials.ptr >>> 2; i < chunks; i++) total += this.f32[base + i];
    const o = po >>> 2;
    this.f32[o] = accumulate ? this.f32[o] + total : total;
  }

  adamw(a: AdamWArgs): void {
    const { n } = a;
    dims('adamw', { n });
    if (!(a.step >= 1)) throw new Error(`@kiln/backend-wasm: adamw: step is 1-based, got ${a.step}`);
    const args = [
      this.f(a.param, n, 'adamw: param'), this.f(a.grad, n, 'adamw: grad'), this.f(a.m, n, 'adamw: m'), this.f(a.v, n, 'adamw: v'),
      1 - a.lr * a.weightDecay, a.beta1, a.beta2, a.eps,
      a.lr / (1 - a.beta1 ** a.step), Math.sqrt(1 - a.beta2 ** a.step), a.gradScale ?? 1,
    ];
    this.run(K.kiln_adamw, args, n, 1024, 12);
  }
}

/** Sizes must be non-negative integers; names the op and the field otherwise. */
function dims(op: string, sizes: Record<string, number>): void {
  for (const [k, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`@kiln/backend-wasm: ${op}: ${k} must be a non-negative integer, got ${v}`);
  }
}
