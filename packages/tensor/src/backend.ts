/**
 * The Backend contract: the whole interface between models and devices.
 *
 * It is coarse on purpose (llm.c's layers): each call does real work, so a
 * training step is a short list of kernel launches. Rules every backend obeys:
 *
 * - Buffers are flat, contiguous, row-major. Ops take buffers plus explicit
 *   sizes; a backend never needs shape logic. Views are element offsets
 *   (`BufView`), so a model can address a slice without a copy.
 * - Ops are enqueued synchronously and may run later (a GPU backend records
 *   them into a command buffer). The only way to see a result on the host is
 *   the awaited `read`. Scalars the host needs (the loss, the gradient norm)
 *   are read back explicitly, never implied.
 * - Forward kernels overwrite their outputs (except matmul with
 *   `accumulate`). Backward kernels ACCUMULATE (+=) into every gradient they
 *   write, as llm.c does: gradients are zeroed once per step, and a tensor
 *   used twice (a residual, tied embeddings) simply receives both.
 * - Shapes in comments use B batch, T time, C channels, H query heads,
 *   Hkv key/value heads, D head size, V vocabulary, N rows.
 */

export type DType = 'f32' | 'i32' | 'i8';

export type HostArray<D extends DType = DType> = D extends 'f32'
  ? Float32Array
  : D extends 'i32'
    ? Int32Array
    : Int8Array;

/** A device buffer. Opaque to everyone but the backend that made it. */
export interface Buf {
  readonly dtype: DType;
  /** Number of elements. */
  readonly length: number;
  /** The backend that owns it; ops refuse buffers from another backend. */
  readonly backend: string;
}

/** A buffer and an element offset into it (offset 0 when a plain Buf is passed). */
export type BufView = Buf | { buf: Buf; offset: number };

export interface BackendInfo {
  /** 'js', 'wasm', 'webgpu', ... */
  name: string;
  /** Human description: CPU model and threads, or the GPU adapter. */
  device: string;
  threads?: number;
  /** True for software renderers (SwiftShader) and other correctness-only devices. */
  slow?: boolean;
  [key: string]: unknown;
}

export interface MatmulArgs {
  /** out[M,N] = op(a)[M,K] · op(b)[K,N] (+ bias[N]) (+ out when accumulate). */
  out: BufView;
  a: BufView;
  b: BufView;
  bias?: BufView;
  M: number;
  N: number;
  K: number;
  /** a is stored as [K,M] and used transposed. */
  transA?: boolean;
  /** b is stored as [N,K] and used transposed (the nn.Linear weight layout). */
  transB?: boolean;
  /** Add into out instead of overwriting it. */
  accumulate?: boolean;
}

export interface AttentionArgs {
  /**
   * qkv is (B,T,(H+2*Hkv)*D): per token, H query heads, then Hkv key heads,
   * then Hkv value heads, each D wide (GPT-2's c_attn layout when Hkv = H).
   * Query head h reads key/value head floor(h / (H/Hkv)).
   */
  qkv: BufView;
  /** out is (B,T,H*D), heads concatenated. */
  out: BufView;
  /**
   * lse is (B,H,T): the log-sum-exp of each softmax row (scaled scores),
   * saved for the backward pass so the (T,T) matrix is never stored.
   */
  lse: BufView;
  B: number;
  T: number;
  H: number;
  Hkv: number;
  D: number;
  /** Causal mask (decoders). False for bidirectional encoders. */
  causal: boolean;
  /**
   * Optional (B,T) i32 segment ids: a token attends only to tokens with the
   * same id (packed sequences without cross-contamination).
   */
  segments?: BufView;
  /** Softmax scale; default 1/sqrt(D). */
  scale?: number;
}

export interface AttentionBackwardArgs extends AttentionArgs {
  /** dout is (B,T,H*D); dqkv is (B,T,(H+2*Hkv)*D), accumulated. */
  dout: BufView;
  dqkv: BufView;
}

export interface RopeArgs {
  /**
   * Rotary position embedding applied to the query and key heads of a packed
   * qkv buffer (see AttentionArgs), value heads copied unchanged. Uses the
   * "rotate half" pairing of Hugging Face's Llama: element i pairs with
   * i + D/2, frequency theta^(-2i/D). Position of token t is posOffset + t.
   */
  out: BufView;
  inp: BufView;
  B: number;
  T: number;
  H: number;
  Hkv: number;
  D: number;
  theta: number;
  posOffset?: number;
}

/**
 * Attention for generation with a KV cache (an optional op: see `Backend.attentionKV`).
 * The keys and values of Tq new tokens (positions pos..pos+Tq-1) are first
 * written into rows pos..pos+Tq-1 of the caches; then each new query t attends
 * causally to cache rows 0..pos+t. Generating n tokens one at a time thus costs
 * O(n) work per token instead of rerunning the whole prefix.
 */
export interface AttentionKVArgs {
  /** qkv is (B,Tq,(H+2*Hkv)*D), packed as in AttentionArgs. */
  qkv: BufView;
  /** kCache and vCache are (B,Tmax,Hkv*D). */
  kCache: BufView;
  vCache: BufView;
  /** out is (B,Tq,H*D), heads concatenated. */
  out: BufView;
  B: number;
  Tq: number;
  Tmax: number;
  /** Position of the first new token; pos + Tq <= Tmax. */
  pos: number;
  H: number;
  Hkv: number;
  D: number;
  /** Softmax scale; default 1/sqrt(D). */
  scale?: number;
}

/**
 * Attention for a batch of sequences that each decode one token at their own
 * place (an optional op: see `Backend.attentionKVRows`): row i of qkv is the
 * new token of the sequence kept in cache row rows[i], at position
 * positions[i]. Its key and value are written there, then it attends to that
 * cache row's positions 0..positions[i]. What attentionKV does for one row with
 * B = 1, Tq = 1, pos = positions[i], for every row at once (continuous batching).
 */
export interface AttentionKVRowsArgs {
  /** qkv is (n,(H+2*Hkv)*D), packed as in AttentionArgs. */
  qkv: BufView;
  /** kCache and vCache are (B,Tmax,Hkv*D). */
  kCache: BufView;
  vCache: BufView;
  /** out is (n,H*D). */
  out: BufView;
  /** i32 (n): each token's cache row, all distinct, each < B. */
  rows: BufView;
  /** i32 (n): each token's position, < Tmax. */
  positions: BufView;
  n: number;
  B: number;
  Tmax: number;
  H: number;
  Hkv: number;
  D: number;
  /** Softmax scale; default 1/sqrt(D). */
  scale?: number;
}

/**
 * A weight matrix kept quantized on the device (weight-only, group-wise,
 * symmetric): N rows of K weights, w[n,k] = q[n,k] * scales[n, floor(k/group)].
 * The layout is nn.Linear's [out, in], so groups run along the input dimension.
 */
export interface QuantizedWeight {
  /**
   * i8 buffer. bits 8: N*K values in [-127, 127]. bits 4: N*K/2 bytes; byte j
   * of a row holds element 2j in its low nibble and 2j+1 in its high nibble,
   * each stored as q + 8 with q in [-8, 7].
   */
  data: BufView;
  /** (N, K/group) f32 scales. */
  scales: BufView;
  bits: 4 | 8;
  /** Weights per scale; K % group === 0 and group is even. */
  group: number;
}

export interface MatmulQArgs {
  /**
   * out[M,N] = a[M,K] · dequant(w)ᵀ (+ bias[N]) (+ out when accumulate). A backend
   * may round the activations to int8 per 32 values first (scale max|a|/127,
   * llama.cpp's q8_0) and take integer dot products with the weight levels, as the
   * native one does for M ≤ 16: the conformance suite allows that rounding's worst
   * case, Σ over chunks of max|a|/254 · Σ|w|.
   */
  out: BufView;
  a: BufView;
  w: QuantizedWeight;
  bias?: BufView;
  M: number;
  N: number;
  K: number;
  accumulate?: boolean;
}

export interface AdamWArgs {
  param: BufView;
  grad: BufView;
  /** First and second moments, same length as param. */
  m: BufView;
  v: BufView;
  n: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled: param -= lr * weightDecay * param (PyTorch's AdamW). */
  weightDecay: number;
  /** 1-based step number, for bias correction. */
  step: number;
  /** Gradients are multiplied by this first (clipping); default 1. */
  gradScale?: number;
}

export interface Backend {
  readonly info: BackendInfo;

  // ---- memory ----------------------------------------------------------
  /** A zero-filled buffer, from the backend's caching pool when possible. */
  alloc(dtype: DType, length: number): Buf;
  /** Return a buffer to the pool. Using it afterwards is an error. */
  free(buf: Buf): void;
  /** Enqueue a host → device copy into buf starting at element `offset`. */
  write(buf: Buf, data: Float32Array | Int32Array | Int8Array, offset?: number): void;
  /** Wait for queued work and copy `length` elements from `offset` back to the host. */
  read(buf: Buf, offset?: number, length?: number): Promise<Float32Array | Int32Array | Int8Array>;
  /** dst[dstOffset + i] = src[srcOffset + i] for i < n (same dtype). */
  copy(dst: BufView, src: BufView, n: number): void;
  /** buf[0..n) = value. */
  fill(buf: BufView, value: number, n: number): void;
  /** Wait until all enqueued work is done. */
  sync(): Promise<void>;
  /**
   * Optional, for backends whose buffers are host memory (native): a live host
   * array over `n` elements at `view`, valid until the next alloc or free. The
   * MPI collectives of data-parallel training then work on it in place; other
   * backends go through read and write.
   */
  hostView?(view: BufView, n: number): Float32Array | Int32Array | Int8Array;
  /** Release every resource (threads, device). */
  dispose(): Promise<void>;

  // ---- linear algebra --------------------------------------------------
  matmul(args: MatmulArgs): void;
  /** dbias[N] (+)= sum over rows of dout[M,N]. Always accumulates. */
  biasBackward(dbias: BufView, dout: BufView, M: number, N: number): void;

  // ---- embeddings -------------------------------------------------------
  /** out[n,C] = table[ids[n], :]  (ids i32, length n). */
  embedding(out: BufView, table: BufView, ids: BufView, n: number, C: number): void;
  /** dtable[ids[n], :] += dout[n,:]  (deterministic: same result every run). */
  embeddingBackward(dtable: BufView, dout: BufView, ids: BufView, n: number, C: number): void;

  // ---- normalization ----------------------------------------------------
  /** out[N,C] = (x - mean)/sqrt(var + eps) * w + b; saves mean[N], rstd[N]. Biased variance. */
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
  ): void;
  /** Accumulates into dx[N,C], dw[C], db[C] (db may be null when there is no bias). */
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
  ): void;
  /** out[N,C] = x * rsqrt(mean(x²) + eps) * w; saves rstd[N]. */
  rmsnorm(out: BufView, rstd: BufView, x: BufView, w: BufView, N: number, C: number, eps: number): void;
  rmsnormBackward(
    dx: BufView,
    dw: BufView,
    dout: BufView,
    x: BufView,
    w: BufView,
    rstd: BufView,
    N: number,
    C: number,
  ): void;

  // ---- attention --------------------------------------------------------
  attention(args: AttentionArgs): void;
  attentionBackward(args: AttentionBackwardArgs): void;
  rope(args: RopeArgs): void;
  /** The inverse rotation of dout, accumulated into dinp (both packed qkv). */
  ropeBackward(args: { dinp: BufView; dout: BufView } & Omit<RopeArgs, 'out' | 'inp'>): void;

  // ---- pointwise ----------------------------------------------------------
  /** GELU, tanh approximation (GPT-2's "gelu_new"). */
  gelu(out: BufView, x: BufView, n: number): void;
  geluBackward(dx: BufView, dout: BufView, x: BufView, n: number): void;
  /** x is [N, 2F] = [gate | up] per row; out[N,F] = silu(gate) * up. */
  swiglu(out: BufView, x: BufView, N: number, F: number): void;
  swigluBackward(dx: BufView, dout: BufView, x: BufView, N: number, F: number): void;
  /** out = a + b (residual). */
  add(out: BufView, a: BufView, b: BufView, n: number): void;
  /** y += alpha * x (gradient accumulation, residual backward). */
  axpy(y: BufView, x: BufView, alpha: number, n: number): void;
  /** x *= alpha in place. */
  scale(x: BufView, alpha: number, n: number): void;

  // ---- loss ---------------------------------------------------------------
  /**
   * Fused softmax + cross-entropy. logits[N,V], targets[N] (i32).
   * losses[n] = -log softmax(logits[n])[targets[n]], or 0 where
   * targets[n] === ignoreIndex. When `lse` (f32, N) is given it receives each
   * row's log-sum-exp (0 on ignored rows), which the backward then reuses
   * instead of recomputing the row's max and sum.
   */
  crossEntropy(
    losses: BufView,
    logits: BufView,
    targets: BufView,
    N: number,
    V: number,
    ignoreIndex: number,
    lse?: BufView,
  ): void;
  /**
   * dlogits[n,:] += (softmax(logits[n]) - onehot(targets[n])) * dloss[n]
   * where dloss is per-row (f32, length N); rows with ignoreIndex get nothing.
   * The caller folds the normalization (1/tokens in the accumulation window)
   * into dloss, so no count is read back. `lse` is the forward's (optional:
   * without it the backend recomputes it).
   */
  crossEntropyBackward(
    dlogits: BufView,
    logits: BufView,
    targets: BufView,
    dloss: BufView,
    N: number,
    V: number,
    ignoreIndex: number,
    lse?: BufView,
  ): void;

  // ---- optimizer ----------------------------------------------------------
  /** out[0] (+)= sum of x[i]² (f32 accumulate), for the global gradient norm. */
  sumSquares(out: BufView, x: BufView, n: number, accumulate: boolean): void;
  adamw(args: AdamWArgs): void;

  // ---- inference (optional) ------------------------------------------------
  // Forward-only ops for generation and compressed models. A backend may leave
  // them out: @kiln/generate then falls back to the host (slower, same result).
  // The conformance suite checks them when present and skips them otherwise.

  /** Append new keys/values to a KV cache and attend over it (see AttentionKVArgs). */
  attentionKV?(args: AttentionKVArgs): void;
  /** attentionKV for one token in each of several cache rows, each at its own position (see AttentionKVRowsArgs). */
  attentionKVRows?(args: AttentionKVRowsArgs): void;
  /** Matmul against a quantized weight, dequantized inside the kernel. */
  matmulQ?(args: MatmulQArgs): void;
  /** out[n,C] = dequant(table)[ids[n], :] for a quantized (V,C) table (tied embeddings). */
  embeddingQ?(out: BufView, table: QuantizedWeight, ids: BufView, n: number, C: number): void;
}
