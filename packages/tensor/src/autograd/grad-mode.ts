/** Whether ops record onto the tape (false inside noGrad). */
let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Run fn without recording (evaluation, sampling). Works for sync and async fn;
 * the flag is global, so do not interleave an async noGrad with training work.
 */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    enabled = prev;
    throw e;
  }
  if (result instanceof Promise) {
    return result.finally(() => {
      enabled = prev;
    }) as T;
  }
  enabled = prev;
  return result;
}
