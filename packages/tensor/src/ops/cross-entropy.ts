import { gradOf, record } from '../autograd/tape.js';
import { Tensor } from '../tensor.js';
import { expectDtype, lastDim, sameBackend } from './check.js';

/** PyTorch's default ignore index. */
export const IGNORE_INDEX = -100;

export interface CrossEntropyOptions {
  /** Targets equal to this contribute nothing (masked tokens). Default -100. */
  ignoreIndex?: number;
  /**
   * The loss is sum(per-token losses) / normalizer. Default: the number of rows
   * N. For gradient accumulation pass the count of non-ignored target tokens
   * in the WHOLE accumulation window, so k micro-batches sum to one big batch.
   */
  normalizer?: number;
}

/**
 * Fused softmax + cross-entropy: logits (..., V), targets (...) i32 → a
 * one-element loss. The sum over rows is a [1,N]·[N,1] matmul so it stays on
 * the device; only `item()` reads it back.
 */
export function crossEntropy(logits: Tensor, targets: Tensor, o: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  expectDtype(op, 'logits', logits, 'f32');
  expectDtype(op, 'targets', targets, 'i32');
  sameBackend(op, logits, targets);
  const V = lastDim(logits);
  const N = logits.size / V;
  if (targets.size !== N)
    throw new Error(`${op}: ${targets.size} targets for ${N} rows of logits [${logits.shape.join(', ')}]`);
  const ignoreIndex = o.ignoreIndex ?? IGNORE_INDEX;
  const normalizer = o.normalizer ?? N;
  if (!(normalizer > 0)) throw new Error(`${op}: normalizer must be positive, got ${normalizer}`);
  const be = logits.backend;
  const losses = Tensor.zeros(be, [N]);
  // Each row's log-sum-exp, kept for the backward (one pass over V instead of three).
  const lse = Tensor.zeros(be, [N]);
  be.crossEntropy(losses.view, logits.view, targets.view, N, V, ignoreIndex, lse.view);
  const ones = Tensor.full(be, [N], 1);
  const loss = Tensor.zeros(be, [1]);
  be.matmul({ out: loss.view, a: losses.view, b: ones.view, M: 1, N: 1, K: N });
  be.scale(loss.view, 1 / normalizer, 1);
  return record(loss, op, [logits], (dloss) => {
    const dlogits = gradOf(logits);
    if (!dlogits) return;
    // Per-row upstream gradient: dloss broadcast over N rows, times 1/normalizer.
    const drow = Tensor.zeros(be, [N]);
    be.matmul({ out: drow.view, a: ones.view, b: dloss.view, M: N, N: 1, K: 1 });
    be.scale(drow.view, 1 / normalizer, N);
    be.crossEntropyBackward(dlogits.view, logits.view, targets.view, drow.view, N, V, ignoreIndex, lse.view);
    drow.dispose();
  });
}
