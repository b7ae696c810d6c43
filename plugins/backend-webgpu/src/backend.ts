/**
 * WebGPUBackend: the Backend contract on Dawn. Ops validate their arguments
 * on the host, then record a dispatch (see Recorder); nothing waits for the
 * GPU except `read` and `sync`.
 */
import type {
  AdamWArgs,
  AttentionArgs,
  AttentionBackwardArgs,
  AttentionKVArgs,
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
import { BYTES, dims, type Resolved, resolve, WebGPUBuf } from './buffer.js';
import { type AdapterSummary, acquireDevice, adapterName, type DeviceOptions } from './device.js';
import { grid, type KernelSpec } from './kernel.js';
import * as adamw from './kernels/adamw.js';
import {
  ATT_WG,
  attentionBackwardDkv,
  attentionBackwardDq,
  attentionDelta,
  attentionForward,
  attentionKVKernel,
  attentionTile,
  kvCacheWrite,
} from './kernels/attention.js';
import * as ce from './kernels/cross-entropy.js';
import * as emb from './kernels/embedding.js';
import { LARGE_TILE, type MatmulTile, matmulGrid, matmulKernel, SMALL_TILE, SOFTWARE_TILE } from './kernels/matmul.js';
import * as norm from './kernels/norm.js';
import * as pw from './kernels/pointwise.js';
import * as quantized from './kernels/quant.js';
import * as rope from './kernels/rope.js';
import { BufferPool } from './pool.js';
import { type Binding, Recorder } from './recorder.js';

export interface WebGPUBackendOptions extends DeviceOptions {
  /** Matmul tile choice; 'auto' picks 128×128 tiles for large products. */
  matmulTile?: 'auto' | 'small' | 'large' | 'software';
  /**
   * Workgroup width of row reductions (norms, cross-entropy, sums), a power of
   * two ≤ 256. Default 256, or 32 on software adapters where barriers are dear.
   */
  reductionWidth?: number;
  /** Query rows per attention workgroup: 64 on GPUs, 16 on software adapters. */
  queryBlock?: number;
}

const STORAGE_USAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

export class WebGPUBackend implements Backend {
  readonly info: BackendInfo;
  readonly adapter: AdapterSummary;
  private readonly rec: Recorder;
  private readonly pool: BufferPool;
  private readonly uploads: BufferPool;
  private readonly readbacks: BufferPool;
  private readonly dummies: Record<'f32' | 'i32', WebGPUBuf>;
  private readonly trig = new Map<string, { buf: WebGPUBuf; positions: number }>();
  private deviceError: string | undefined;
  private lostReason: string | undefined;
  private disposed = false;

  static async create(opts: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
    const acquired = await acquireDevice(opts);
    return new WebGPUBackend(acquired.adapter, acquired.device, acquired.info, opts);
  }

  private constructor(
    // Held so that Dawn never sees them collected while the backend lives.
    readonly gpuAdapter: GPUAdapter,
    readonly device: GPUDevice,
    adapter: AdapterSummary,
    private readonly opts: WebGPUBackendOptions,
  ) {
    this.adapter = adapter;
    this.info = {
      name: 'webgpu',
      device: adapterName(adapter),
      slow: adapter.software,
      vendor: adapter.vendor,
      architecture: adapter.architecture,
      features: adapter.features,
      maxBufferBytes: device.limits.maxStorageBufferBindingSize,
    };
    device.onuncapturederror = (e: GPUUncapturedErrorEvent) => {
      this.deviceError ??= e.error.message;
    };
    void device.lost.then((l) => {
      if (!this.disposed) this.lostReason = `device lost (${l.reason}): ${l.message}`;
    });
    this.rec = new Recorder(device, { RWG: opts.reductionWidth ?? (adapter.software ? 32 : 256) });
    this.pool = new BufferPool(device, STORAGE_USAGE(), 'kiln');
    this.uploads = new BufferPool(device, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, 'kiln-upload');
    this.readbacks = new BufferPool(device, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'kiln-readback');
    this.dummies = { f32: this.alloc('f32', 1) as WebGPUBuf, i32: this.alloc('i32', 1) as WebGPUBuf };
  }

  /** Dispatch and submission counters (for tests and benchmarks). */
  get stats() {
    return { ...this.rec.stats, poolBytes: this.pool.liveBytes, cachedBytes: this.pool.cachedBytes };
  }

  /** Reports the first GPU error since the last check (a lost device stays reported). */
  private throwIfFailed(): void {
    const err = this.deviceError ?? this.lostReason;
    this.deviceError = undefined;
    if (err) throw new Error(`webgpu: device error: ${err}`);
  }

  private v(view: BufView, need: number, dtype: DType, op: string, arg: string): Binding {
    const r: Resolved = resolve(this, view, need, dtype, op, arg);
    return { buffer: r.buf.gpu, offset: r.offset };
  }

  /** An optional argument: the view, or a 1-element dummy (flags tell the kernel to ignore it). */
  private opt(view: BufView | null | undefined, need: number, dtype: 'f32' | 'i32', op: string, arg: string): Binding {
    return view ? this.v(view, need, dtype, op, arg) : { buffer: this.dummies[dtype].gpu, offset: 0 };
  }

  private run(
    spec: KernelSpec,
    buffers: Binding[],
    params: Record<string, number>,
    groups: [number, number?, number?],
    variant = '',
  ): void {
    if (this.disposed) throw new Error('webgpu: backend was disposed');
    this.rec.dispatch(spec, variant, buffers, params, groups);
  }

  private pointwise(spec: KernelSpec, buffers: Binding[], params: Record<string, number>, n: number): void {
    if (n === 0) return;
    this.run(spec, buffers, { ...params, n }, grid(Math.ceil(n / pw.WG)));
  }

  // ---- memory ------------------------------------------------------------

  alloc(dtype: DType, length: number): Buf {
    if (!(dtype in BYTES)) throw new Error(`webgpu.alloc: unknown dtype '${dtype}'`);
    dims('alloc', { length });
    const bytes = Math.max(4, Math.ceil((length * BYTES[dtype]) / 4) * 4);
    if (bytes > this.device.limits.maxStorageBufferBindingSize) {
      throw new Error(
        `webgpu.alloc: ${length} × ${dtype} is ${bytes} bytes, over this adapter's storage binding limit of ${this.device.limits.maxStorageBufferBindingSize}`,
      );
    }
    const { buffer, fresh } = this.pool.take(bytes);
    if (!fresh) this.pointwise(pw.fill32, [{ buffer, offset: 0 }], { value: 0 }, buffer.size / 4);
    return new WebGPUBuf(dtype, length, buffer, this);
  }

  free(buf: Buf): void {
    const b = resolve(this, buf, 0, buf.dtype, 'free', 'buf').buf;
    b.freed = true;
    // Commands run in order, so later users of this GPUBuffer see it after every use recorded so far.
    this.pool.give(b.gpu);
  }

  write(buf: Buf, data: Float32Array | Int32Array | Int8Array, offset = 0): void {
    const want = buf.dtype === 'f32' ? Float32Array : buf.dtype === 'i32' ? Int32Array : Int8Array;
    if (!(data instanceof want))
      throw new Error(`webgpu.write: a ${buf.dtype} buffer needs a ${want.name}, got ${data?.constructor?.name}`);
    const dst = this.v({ buf, offset }, data.length, buf.dtype, 'write', 'buf');
    if (data.length === 0) return;
    const byteOffset = dst.offset * BYTES[buf.dtype];
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (!this.rec.pending && byteOffset % 4 === 0 && bytes.length % 4 === 0) {
      // Nothing is waiting to run, so a direct queue write keeps the order.
      this.device.queue.writeBuffer(dst.buffer, byteOffset, bytes);
      return;
    }
    // Otherwise stage it and copy inside the command stream, after what was recorded.
    const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
    padded.set(bytes);
    const { buffer: staging } = this.uploads.take(padded.length);
    this.device.queue.writeBuffer(staging, 0, padded);
    this.rec.onSubmit(() => this.uploads.give(staging));
    this.copyRaw(buf.dtype, dst, { buffer: staging, offset: 0 }, data.length);
  }

  /** Element copy between bindings of one dtype (i8 through the byte-merging kernel). */
  private copyRaw(dtype: DType, dst: Binding, src: Binding, n: number): void {
    if (n === 0) return;
    if (dtype !== 'i8') return this.pointwise(pw.copy32, [dst, src], {}, n);
    const w0 = Math.floor(dst.offset / 4);
    const words = Math.floor((dst.offset + n - 1) / 4) - w0 + 1;
    this.pointwise(pw.copy8, [dst, src], { w0, count: n }, words);
  }

  async read(buf: Buf, offset = 0, length?: number): Promise<Float32Array | Int32Array | Int8Array> {
    const n = length ?? buf.length - offset;
    const src = this.v({ buf, offset }, n, buf.dtype, 'read', 'buf');
    const esize = BYTES[buf.dtype];
    const b0 = Math.floor((src.offset * esize) / 4) * 4;
    const b1 = Math.ceil(((src.offset + n) * esize) / 4) * 4;
    this.rec.flush();
    const out = buf.dtype === 'f32' ? new Float32Array(n) : buf.dtype === 'i32' ? new Int32Array(n) : new Int8Array(n);
    if (n === 0) {
      await this.sync();
      return out;
    }
    const { buffer: rb } = this.readbacks.take(b1 - b0);
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(src.buffer, b0, rb, 0, b1 - b0);
    this.device.queue.submit([enc.finish()]);
    try {
      await rb.mapAsync(GPUMapMode.READ, 0, b1 - b0);
    } catch (err) {
      this.throwIfFailed();
      throw err;
    }
    const bytes = new Uint8Array(rb.getMappedRange(0, b1 - b0));
    new Uint8Array(out.buffer).set(bytes.subarray(src.offset * esize - b0, src.offset * esize - b0 + n * esize));
    rb.unmap();
    this.readbacks.give(rb);
    this.throwIfFailed();
    return out;
  }

  copy(dst: BufView, src: BufView, n: number): void {
    const dtype = ('buf' in dst ? dst.buf : dst).dtype;
    const d = this.v(dst, n, dtype, 'copy', 'dst');
    const s = this.v(src, n, dtype, 'copy', 'src');
    if (n === 0 || (d.buffer === s.buffer && d.offset === s.offset)) return;
    if (d.buffer === s.buffer && d.offset < s.offset + n && s.offset < d.offset + n) {
      // Overlapping ranges of one buffer: go through a temporary (memmove semantics).
      const tmp = this.alloc(dtype, n) as WebGPUBuf;
      this.copyRaw(dtype, { buffer: tmp.gpu, offset: 0 }, s, n);
      this.copyRaw(dtype, d, { buffer: tmp.gpu, offset: 0 }, n);
      this.free(tmp);
      return;
    }
    this.copyRaw(dtype, d, s, n);
  }

  fill(buf: BufView, value: number, n: number): void {
    const dtype = ('buf' in buf ? buf.buf : buf).dtype;
    const x = this.v(buf, n, dtype, 'fill', 'buf');
    if (n === 0) return;
    if (dtype === 'i8') {
      const w0 = Math.floor(x.offset / 4);
      const words = Math.floor((x.offset + n - 1) / 4) - w0 + 1;
      return this.pointwise(pw.fill8, [x], { value: value & 0xff, w0, count: n }, words);
    }
    const bits = dtype === 'f32' ? new Uint32Array(new Float32Array([value]).buffer)[0] : (value | 0) >>> 0;
    this.pointwise(pw.fill32, [x], { value: bits }, n);
  }

  async sync(): Promise<void> {
    this.rec.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.throwIfFailed();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.sync().catch(() => undefined);
    this.disposed = true;
    this.pool.trim();
    this.uploads.trim();
    this.readbacks.trim();
    this.device.destroy();
  }

  // ---- linear algebra -------------------------------------------------------

  private tileFor(M: number, N: number): MatmulTile {
    const choice = this.opts.matmulTile ?? (this.adapter.software ? 'software' : 'auto');
    if (choice === 'small') return SMALL_TILE;
    if (choice === 'large') return LARGE_TILE;
    if (choice === 'software') return SOFTWARE_TILE;
    return M >= 256 && N >= 256 ? LARGE_TILE : SMALL_TILE;
  }

  matmul(a: MatmulArgs): void {
    const { M, N, K } = a;
    dims('matmul', { M, N, K });
    const out = this.v(a.out, M * N, 'f32', 'matmul', 'out');
    const A = this.v(a.a, M * K, 'f32', 'matmul', 'a');
    const B = this.v(a.b, K * N, 'f32', 'matmul', 'b');
    const bias = this.opt(a.bias, N, 'f32', 'matmul', 'bias');
    if (M === 0 || N === 0) return;
    const tile = this.tileFor(M, N);
    const { groups, tilesN } = matmulGrid(tile, M, N);
    this.run(
      matmulKernel(tile),
      [out, A, B, bias],
      {
        M,
        N,
        K,
        tilesN,
        transA: a.transA ? 1 : 0,
        transB: a.transB ? 1 : 0,
        hasBias: a.bias ? 1 : 0,
        accumulate: a.accumulate ? 1 : 0,
      },
      groups,
    );
  }

  biasBackward(dbias: BufView, dout: BufView, M: number, N: number): void {
    dims('biasBackward', { M, N });
    const d1 = this.v(dbias, N, 'f32', 'biasBackward', 'dbias');
    const g = this.v(dout, M * N, 'f32', 'biasBackward', 'dout');
    if (N === 0) return;
    this.run(norm.biasBackward, [d1, g], { N: M, C: N, hasD2: 0 }, [Math.ceil(N / 64)]);
  }

  // ---- embeddings -----------------------------------------------------------

  embedding(out: BufView, table: BufView, ids: BufView, n: number, C: number): void {
    dims('embedding', { n, C });
    const o = this.v(out, n * C, 'f32', 'embedding', 'out');
    const t = this.v(table, 0, 'f32', 'embedding', 'table');
    const i = this.v(ids, n, 'i32', 'embedding', 'ids');
    if (C === 0) return;
    const V = Math.floor((('buf' in table ? table.buf : table).length - t.offset) / C);
    this.pointwise(emb.embedding, [o, t, i], { C, V }, n * C);
  }

  embeddingBackward(dtable: BufView, dout: BufView, ids: BufView, n: number, C: number): void {
    dims('embeddingBackward', { n, C });
    const dt = this.v(dtable, 0, 'f32', 'embeddingBackward', 'dtable');
    const g = this.v(dout, n * C, 'f32', 'embeddingBackward', 'dout');
    const i = this.v(ids, n, 'i32', 'embeddingBackward', 'ids');
    if (n === 0 || C === 0) return;
    const V = Math.floor((('buf' in dtable ? dtable.buf : dtable).length - dt.offset) / C);
    const links = this.alloc('i32', 2 * n) as WebGPUBuf;
    const l = { buffer: links.gpu, offset: 0 };
    this.pointwise(emb.embeddingLinks, [l, i], {}, n);
    this.run(emb.embeddingBackward, [dt, g, i, l], { n, C, V }, grid(Math.ceil((n * C) / pw.WG)));
    this.free(links);
  }

  // ---- normalization ------------------------------------------------------------

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
    dims('layernorm', { N, C });
    const op = 'layernorm';
    const bufs = [
      this.v(out, N * C, 'f32', op, 'out'),
      this.v(mean, N, 'f32', op, 'mean'),
      this.v(rstd, N, 'f32', op, 'rstd'),
      this.v(x, N * C, 'f32', op, 'x'),
      this.v(w, C, 'f32', op, 'w'),
      this.opt(b, C, 'f32', op, 'b'),
    ];
    if (N === 0) return;
    this.run(norm.layernorm, bufs, { N, C, hasB: b ? 1 : 0, eps }, grid(N));
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
    dims('layernormBackward', { N, C });
    const op = 'layernormBackward';
    const DX = this.v(dx, N * C, 'f32', op, 'dx');
    const DW = this.v(dw, C, 'f32', op, 'dw');
    const DB = this.opt(db, C, 'f32', op, 'db');
    const G = this.v(dout, N * C, 'f32', op, 'dout');
    const X = this.v(x, N * C, 'f32', op, 'x');
    const W = this.v(w, C, 'f32', op, 'w');
    const MEAN = this.v(mean, N, 'f32', op, 'mean');
    const RSTD = this.v(rstd, N, 'f32', op, 'rstd');
    if (N === 0 || C === 0) return;
    this.run(norm.layernormBackwardDx, [DX, G, X, W, MEAN, RSTD], { N, C }, grid(N));
    this.run(norm.layernormBackwardDw, [DW, DB, G, X, MEAN, RSTD], { N, C, hasD2: db ? 1 : 0 }, [Math.ceil(C / 64)]);
  }

  rmsnorm(out: BufView, rstd: BufView, x: BufView, w: BufView, N: number, C: number, eps: number): void {
    dims('rmsnorm', { N, C });
    const op = 'rmsnorm';
    const bufs = [
      this.v(out, N * C, 'f32', op, 'out'),
      this.v(rstd, N, 'f32', op, 'rstd'),
      this.v(x, N * C, 'f32', op, 'x'),
      this.v(w, C, 'f32', op, 'w'),
    ];
    if (N === 0) return;
    this.run(norm.rmsnorm, bufs, { N, C, eps }, grid(N));
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
    dims('rmsnormBackward', { N, C });
    const op = 'rmsnormBackward';
    const DX = this.v(dx, N * C, 'f32', op, 'dx');
    const DW = this.v(dw, C, 'f32', op, 'dw');
    const G = this.v(dout, N * C, 'f32', op, 'dout');
    const X = this.v(x, N * C, 'f32', op, 'x');
    const W = this.v(w, C, 'f32', op, 'w');
    const R = this.v(rstd, N, 'f32', op, 'rstd');
    if (N === 0 || C === 0) return;
    this.run(norm.rmsnormBackwardDx, [DX, G, X, W, R], { N, C }, grid(N));
    this.run(norm.rmsnormBackwardDw, [DW, G, X, R], { N, C, hasD2: 0 }, [Math.ceil(C / 64)]);
  }

  // ---- attention ------------------------------------------------------------------

  /** Query rows per attention workgroup (fewer on software adapters, where barriers are dear). */
  private get queryBlock(): number {
    return this.opts.queryBlock ?? (this.adapter.software ? 16 : ATT_WG);
  }

  private attentionCommon(a: AttentionArgs, op: string) {
    const { B, T, H, Hkv, D } = a;
    dims(op, { B, T, H, Hkv, D });
    if (Hkv === 0 || H % Hkv !== 0) throw new Error(`webgpu.${op}: H=${H} must be a multiple of Hkv=${Hkv}`);
    const W = (H + 2 * Hkv) * D;
    const qkv = this.v(a.qkv, B * T * W, 'f32', op, 'qkv');
    const out = this.v(a.out, B * T * H * D, 'f32', op, 'out');
    const lse = this.v(a.lse, B * H * T, 'f32', op, 'lse');
    const seg = this.opt(a.segments, B * T, 'i32', op, 'segments');
    const params = {
      B,
      T,
      H,
      Hkv,
      causal: a.causal ? 1 : 0,
      hasSeg: a.segments ? 1 : 0,
      scale: a.scale ?? 1 / Math.sqrt(D),
    };
    const TK = attentionTile(2 * D + 3, Math.min(32768, this.device.limits.maxComputeWorkgroupStorageSize));
    return { qkv, out, lse, seg, params, TK, empty: B * T * H * D === 0 };
  }

  attention(a: AttentionArgs): void {
    const c = this.attentionCommon(a, 'attention');
    if (c.empty) return;
    const groups = grid(a.B * a.H * Math.ceil(a.T / this.queryBlock));
    this.run(attentionForward(a.D, c.TK, this.queryBlock), [c.out, c.lse, c.qkv, c.seg], c.params, groups);
  }

  attentionBackward(a: AttentionBackwardArgs): void {
    const c = this.attentionCommon(a, 'attentionBackward');
    const { B, T, H, Hkv, D } = a;
    const dout = this.v(a.dout, B * T * H * D, 'f32', 'attentionBackward', 'dout');
    const dqkv = this.v(a.dqkv, B * T * (H + 2 * Hkv) * D, 'f32', 'attentionBackward', 'dqkv');
    if (c.empty) return;
    const deltaBuf = this.alloc('f32', B * H * T) as WebGPUBuf;
    const delta = { buffer: deltaBuf.gpu, offset: 0 };
    this.run(attentionDelta, [delta, dout, c.out], { B, T, H, D }, grid(Math.ceil((B * H * T) / 256)));
    const nqb = Math.ceil(T / this.queryBlock);
    this.run(
      attentionBackwardDq(D, c.TK, this.queryBlock),
      [dqkv, dout, c.lse, delta, c.qkv, c.seg],
      c.params,
      grid(B * H * nqb),
    );
    this.run(
      attentionBackwardDkv(D, c.TK, this.queryBlock),
      [dqkv, dout, c.lse, delta, c.qkv, c.seg],
      c.params,
      grid(B * Hkv * nqb),
    );
    this.free(deltaBuf);
  }

  /** cos/sin table for positions [0, positions), computed in f64 on the host and cached. */
  private trigTable(theta: number, D: number, positions: number): Binding {
    const key = `${theta}:${D}`;
    let t = this.trig.get(key);
    if (!t || t.positions < positions) {
      if (t) this.free(t.buf);
      const cap = Math.max(positions, 2 * (t?.positions ?? 0), 64);
      const half = D / 2;
      const data = new Float32Array(cap * half * 2);
      for (let p = 0; p < cap; p++) {
        for (let i = 0; i < half; i++) {
          const ang = p * theta ** ((-2 * i) / D);
          data[(p * half + i) * 2] = Math.cos(ang);
          data[(p * half + i) * 2 + 1] = Math.sin(ang);
        }
      }
      const buf = this.alloc('f32', data.length) as WebGPUBuf;
      this.write(buf, data);
      t = { buf, positions: cap };
      this.trig.set(key, t);
    }
    return { buffer: t.buf.gpu, offset: 0 };
  }

  private ropeCommon(a: Omit<RopeArgs, 'out' | 'inp'>, op: string) {
    const { B, T, H, Hkv, D } = a;
    dims(op, { B, T, H, Hkv, D, posOffset: a.posOffset ?? 0 });
    if (D % 2 !== 0) throw new Error(`webgpu.${op}: head size D=${D} must be even`);
    const n = B * T * (H + 2 * Hkv) * D;
    const posOffset = a.posOffset ?? 0;
    const trig = n ? this.trigTable(a.theta, D, posOffset + T) : { buffer: this.dummies.f32.gpu, offset: 0 };
    return { n, trig, params: { T, H, Hkv, D, posOffset } };
  }

  rope(a: RopeArgs): void {
    const c = this.ropeCommon(a, 'rope');
    const out = this.v(a.out, c.n, 'f32', 'rope', 'out');
    const inp = this.v(a.inp, c.n, 'f32', 'rope', 'inp');
    this.pointwise(rope.rope, [out, inp, c.trig], c.params, c.n / 2);
  }

  ropeBackward(a: { dinp: BufView; dout: BufView } & Omit<RopeArgs, 'out' | 'inp'>): void {
    const c = this.ropeCommon(a, 'ropeBackward');
    const dinp = this.v(a.dinp, c.n, 'f32', 'ropeBackward', 'dinp');
    const dout = this.v(a.dout, c.n, 'f32', 'ropeBackward', 'dout');
    this.pointwise(rope.ropeBackward, [dinp, dout, c.trig], c.params, c.n / 2);
  }

  // ---- pointwise -------------------------------------------------------------------

  gelu(out: BufView, x: BufView, n: number): void {
    this.pointwise(pw.gelu, [this.v(out, n, 'f32', 'gelu', 'out'), this.v(x, n, 'f32', 'gelu', 'x')], {}, n);
  }

  geluBackward(dx: BufView, dout: BufView, x: BufView, n: number): void {
    const op = 'geluBackward';
    this.pointwise(
      pw.geluBackward,
      [this.v(dx, n, 'f32', op, 'dx'), this.v(dout, n, 'f32', op, 'dout'), this.v(x, n, 'f32', op, 'x')],
      {},
      n,
    );
  }

  swiglu(out: BufView, x: BufView, N: number, F: number): void {
    dims('swiglu', { N, F });
    this.pointwise(
      pw.swiglu,
      [this.v(out, N * F, 'f32', 'swiglu', 'out'), this.v(x, 2 * N * F, 'f32', 'swiglu', 'x')],
      { F },
      N * F,
    );
  }

  swigluBackward(dx: BufView, dout: BufView, x: BufView, N: number, F: number): void {
    const op = 'swigluBackward';
    dims(op, { N, F });
    this.pointwise(
      pw.swigluBackward,
      [
        this.v(dx, 2 * N * F, 'f32', op, 'dx'),
        this.v(dout, N * F, 'f32', op, 'dout'),
        this.v(x, 2 * N * F, 'f32', op, 'x'),
      ],
      { F },
      N * F,
    );
  }

  add(out: BufView, a: BufView, b: BufView, n: number): void {
    this.pointwise(
      pw.add,
      [this.v(out, n, 'f32', 'add', 'out'), this.v(a, n, 'f32', 'add', 'a'), this.v(b, n, 'f32', 'add', 'b')],
      {},
      n,
    );
  }

  axpy(y: BufView, x: BufView, alpha: number, n: number): void {
    this.pointwise(pw.axpy, [this.v(y, n, 'f32', 'axpy', 'y'), this.v(x, n, 'f32', 'axpy', 'x')], { alpha }, n);
  }

  scale(x: BufView, alpha: number, n: number): void {
    this.pointwise(pw.scale, [this.v(x, n, 'f32', 'scale', 'x')], { alpha }, n);
  }

  // ---- loss ------------------------------------------------------------------------

  crossEntropy(
    losses: BufView,
    logits: BufView,
    targets: BufView,
    N: number,
    V: number,
    ignoreIndex: number,
    lse?: BufView,
  ): void {
    dims('crossEntropy', { N, V });
    const op = 'crossEntropy';
    const bufs = [
      this.v(losses, N, 'f32', op, 'losses'),
      this.v(logits, N * V, 'f32', op, 'logits'),
      this.v(targets, N, 'i32', op, 'targets'),
      this.opt(lse, N, 'f32', op, 'lse'),
    ];
    if (N === 0) return;
    this.run(ce.crossEntropy, bufs, { N, V, ignore: ignoreIndex, hasLse: lse ? 1 : 0 }, grid(N));
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
    dims('crossEntropyBackward', { N, V });
    const op = 'crossEntropyBackward';
    const bufs = [
      this.v(dlogits, N * V, 'f32', op, 'dlogits'),
      this.v(logits, N * V, 'f32', op, 'logits'),
      this.v(targets, N, 'i32', op, 'targets'),
      this.v(dloss, N, 'f32', op, 'dloss'),
      this.opt(lse, N, 'f32', op, 'lse'),
    ];
    if (N === 0) return;
    this.run(ce.crossEntropyBackward, bufs, { N, V, ignore: ignoreIndex, hasLse: lse ? 1 : 0 }, grid(N));
  }

  // ---- optimizer ---------------------------------------------------------------------

  sumSquares(out: BufView, x: BufView, n: number, accumulate: boolean): void {
    dims('sumSquares', { n });
    const o = this.v(out, 1, 'f32', 'sumSquares', 'out');
    const X = this.v(x, n, 'f32', 'sumSquares', 'x');
    // A fixed split for a given n, so the sum is taken in the same order every run.
    const parts = Math.max(1, Math.min(1024, Math.ceil(n / 4096)));
    const chunk = Math.ceil(n / parts);
    const partialBuf = this.alloc('f32', parts) as WebGPUBuf;
    const partial = { buffer: partialBuf.gpu, offset: 0 };
    this.run(adamw.sumSquaresPartial, [partial, X], { n, chunk }, grid(parts));
    this.run(adamw.sumSquaresFinal, [o, partial], { count: parts, accumulate: accumulate ? 1 : 0 }, [1]);
    this.free(partialBuf);
  }

  adamw(a: AdamWArgs): void {
    const { n } = a;
    dims('adamw', { n, step: a.step });
    if (a.step < 1) throw new Error(`webgpu.adamw: step=${a.step} must be ≥ 1 (1-based)`);
    const op = 'adamw';
    const bufs = [
      this.v(a.param, n, 'f32', op, 'param'),
      this.v(a.grad, n, 'f32', op, 'grad'),
      this.v(a.m, n, 'f32', op, 'm'),
      this.v(a.v, n, 'f32', op, 'v'),
    ];
    this.pointwise(
      adamw.adamw,
      bufs,
      {
        lr: a.lr,
        beta1: a.beta1,
        beta2: a.beta2,
        eps: a.eps,
        wd: a.weightDecay,
        bc1: 1 - a.beta1 ** a.step,
        sqrtBc2: Math.sqrt(1 - a.beta2 ** a.step),
        gradScale: a.gradScale ?? 1,
      },
      n,
    );
  }

  // ---- inference (optional ops) ----------------------------------------------------

  attentionKV(a: AttentionKVArgs): void {
    const op = 'attentionKV';
    const { B, Tq, Tmax, pos, H, Hkv, D } = a;
    dims(op, { B, Tq, Tmax, pos, H, Hkv, D });
    if (Hkv === 0 || H % Hkv !== 0) throw new Error(`webgpu.${op}: H=${H} must be a multiple of Hkv=${Hkv}`);
    if (pos + Tq > Tmax) throw new Error(`webgpu.${op}: pos ${pos} + Tq ${Tq} exceeds the cache (Tmax ${Tmax})`);
    const qkv = this.v(a.qkv, B * Tq * (H + 2 * Hkv) * D, 'f32', op, 'qkv');
    const k = this.v(a.kCache, B * Tmax * Hkv * D, 'f32', op, 'kCache');
    const v = this.v(a.vCache, B * Tmax * Hkv * D, 'f32', op, 'vCache');
    const out = this.v(a.out, B * Tq * H * D, 'f32', op, 'out');
    this.pointwise(kvCacheWrite, [k, v, qkv], { Tq, Tmax, pos, H, Hkv, D }, B * Tq * Hkv * D);
    if (D === 0) return;
    this.pointwise(
      attentionKVKernel(D),
      [out, k, v, qkv],
      { Tq, Tmax, pos, H, Hkv, scale: a.scale ?? 1 / Math.sqrt(D) },
      B * H * Tq,
    );
  }

  /** Checks a quantized weight of `rows` × K and returns its bindings. */
  private quant(
    w: QuantizedWeight,
    rows: number,
    K: number,
    op: string,
  ): { data: Binding; scales: Binding; params: { bits: number; group: number } } {
    if (w.bits !== 4 && w.bits !== 8) throw new Error(`webgpu.${op}: bits must be 4 or 8, got ${String(w.bits)}`);
    if (!(Number.isInteger(w.group) && w.group > 0 && w.group % 2 === 0))
      throw new Error(`webgpu.${op}: group must be a positive even integer, got ${w.group}`);
    if (K % w.group !== 0) throw new Error(`webgpu.${op}: K (${K}) must be a multiple of the group size (${w.group})`);
    return {
      data: this.v(w.data, w.bits === 8 ? rows * K : (rows * K) / 2, 'i8', op, 'w.data'),
      scales: this.v(w.scales, (rows * K) / w.group, 'f32', op, 'w.scales'),
      params: { bits: w.bits, group: w.group },
    };
  }

  matmulQ(a: MatmulQArgs): void {
    const op = 'matmulQ';
    const { M, N, K } = a;
    dims(op, { M, N, K });
    const q = this.quant(a.w, N, K, op);
    const out = this.v(a.out, M * N, 'f32', op, 'out');
    const A = this.v(a.a, M * K, 'f32', op, 'a');
    const bias = this.opt(a.bias, N, 'f32', op, 'bias');
    this.pointwise(
      quantized.matmulQ,
      [out, A, q.data, q.scales, bias],
      {
        M,
        N,
        K,
        ...q.params,
        hasBias: a.bias ? 1 : 0,
        accumulate: a.accumulate ? 1 : 0,
      },
      M * N,
    );
  }

  embeddingQ(out: BufView, table: QuantizedWeight, ids: BufView, n: number, C: number): void {
    const op = 'embeddingQ';
    dims(op, { n, C });
    if (C === 0 || n === 0) return void this.v(out, 0, 'f32', op, 'out');
    const len = (v: BufView) => ('buf' in v ? v.buf.length - v.offset : v.length);
    // The rows the table holds, inferred from its buffers' lengths (as embedding() does).
    const rows = Math.min(
      Math.floor(len(table.scales) / (C / table.group)),
      Math.floor(len(table.data) / (table.bits === 8 ? C : C / 2)),
    );
    const q = this.quant(table, rows, C, op);
    const o = this.v(out, n * C, 'f32', op, 'out');
    const i = this.v(ids, n, 'i32', op, 'ids');
    this.pointwise(quantized.embeddingQ, [o, q.data, q.scales, i], { K: C, ...q.params, rows }, n * C);
  }
}
