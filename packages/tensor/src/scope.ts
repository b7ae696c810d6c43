import type { Tensor } from './tensor.js';

/**
 * Per-step arenas (tfjs's `tidy`): every tensor created inside `tidy(fn)` is
 * disposed when fn returns, except the tensors it returns (shallowly: a
 * tensor, an array of tensors, or an object's values) and those passed to
 * `keep`. Disposed buffers go back to the backend's pool, so a training step
 * reuses the previous step's buffers.
 *
 * The scope stack is global to the thread: while an async tidy awaits, tensors
 * created by unrelated concurrent code land in its scope too. Training loops
 * run one step at a time, so this holds there; keep() anything long-lived.
 */
const scopes: Set<Tensor>[] = [];

/** Called by the Tensor constructor. */
export function track(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Take a tensor out of every open scope: it lives until disposed by hand. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function returned(value: unknown): Set<Tensor> {
  const out = new Set<Tensor>();
  const visit = (v: unknown) => {
    if (v && typeof v === 'object' && 'buf' in v && 'shape' in v && 'dispose' in v) out.add(v as Tensor);
  };
  if (Array.isArray(value)) value.forEach(visit);
  else if (value && typeof value === 'object' && !('buf' in value)) Object.values(value).forEach(visit);
  else visit(value);
  return out;
}

function close(scope: Set<Tensor>, result: unknown): void {
  const kept = returned(result);
  scopes.pop();
  for (const t of scope) {
    if (kept.has(t))
      scopes[scopes.length - 1]?.add(t); // moves to the enclosing scope
    else t.dispose();
  }
}

/** Run fn in a fresh scope (sync or async) and dispose what it created but did not return. */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    close(scope, undefined);
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (r) => (close(scope, r), r),
      (e) => (close(scope, undefined), Promise.reject(e)),
    ) as T;
  }
  close(scope, result);
  return result;
}
