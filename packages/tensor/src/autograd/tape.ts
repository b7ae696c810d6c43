import { keep } from '../scope.js';
import { type Node, Tensor } from '../tensor.js';
import { isGradEnabled } from './grad-mode.js';

/**
 * Record an op on the tape: when recording and any input requires grad, the
 * output requires grad and remembers how to push its gradient back.
 */
export function record(out: Tensor, op: string, inputs: Tensor[], backward: (gradOut: Tensor) => void): Tensor {
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward } satisfies Node;
  }
  return out;
}

/**
 * The gradient buffer of t, allocated (zeroed) on first use; null when t needs
 * no gradient. Gradients live outside any tidy scope: parameters keep theirs
 * across micro-batches, and backward() frees the intermediate ones.
 */
export function gradOf(t: Tensor): Tensor | null {
  if (!t.requiresGrad) return null;
  if (!t.grad) t.grad = keep(Tensor.zeros(t.backend, t.shape, t.dtype));
  return t.grad;
}

/** Nodes reachable from `root`, inputs before outputs. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep models would overflow the call stack.
  const stack: Array<[Tensor, boolean]> = [[root, false]];
  while (stack.length) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    for (const inp of t.node?.inputs ?? []) if (inp.node && !seen.has(inp)) stack.push([inp, false]);
  }
  return order;
}

/**
 * Backpropagate from a one-element loss (or from `seed` for any tensor).
 * Gradients ACCUMULATE into leaves (parameters), so calling it once per
 * micro-batch sums them; zero them once per optimizer step. The graph is
 * consumed: intermediate gradients are freed as soon as they have been used.
 */
export function backward(loss: Tensor, seed?: Tensor): void {
  if (!loss.requiresGrad || !loss.node) {
    throw new Error(
      'backward: the tensor was not produced by recorded ops on tensors that require grad (inside noGrad, or no parameters involved?)',
    );
  }
  if (!seed && loss.size !== 1)
    throw new Error(`backward: loss has ${loss.size} elements; pass a seed gradient for non-scalar outputs`);
  const g = gradOf(loss)!;
  if (seed) loss.backend.axpy(g.view, seed.view, 1, loss.size);
  else loss.backend.fill(g.view, 1, 1);
  const order = topoOrder(loss);
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const node = t.node!;
    if (t.grad) node.backward(t.grad);
    // The output's gradient has been pushed to its inputs: free it.
    t.grad?.dispose();
    t.grad = null;
    t.node = null;
  }
}
