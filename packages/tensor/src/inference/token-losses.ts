/** Per-token losses from an engine's logits, shared by the model engines' tokenLosses. */
import type { Backend, Buf } from '../backend.js';
import type { InferenceEngine } from '../model.js';

/** Cross-entropy (nats) of each of N targets against logits (N, V); frees the logits. Targets equal to ignoreIndex give 0. */
export async function lossesFromLogits(
  be: Backend,
  logits: Buf,
  targets: Int32Array,
  V: number,
  ignoreIndex: number,
): Promise<Float32Array> {
  const t = be.alloc('i32', targets.length);
  const losses = be.alloc('f32', targets.length);
  try {
    be.write(t, targets);
    be.crossEntropy(losses, logits, t, targets.length, V, ignoreIndex);
    return Float32Array.from((await be.read(losses)) as Float32Array);
  } finally {
    for (const b of [logits, t, losses]) be.free(b);
  }
}

/** A decoder's tokenLosses: one cached forward of ids (B, T) from position 0 into a throwaway cache. */
export async function causalTokenLosses(
  engine: InferenceEngine,
  ids: Int32Array,
  targets: Int32Array,
  B: number,
  ignoreIndex = -100,
): Promise<Float32Array> {
  if (targets.length !== ids.length) throw new Error(`tokenLosses: ${targets.length} targets for ${ids.length} ids`);
  const cache = engine.createCache(B, ids.length / B);
  try {
    return await lossesFromLogits(
      engine.backend,
      await engine.forward(ids, cache, 0),
      targets,
      engine.config.vocabSize,
      ignoreIndex,
    );
  } finally {
    engine.freeCache(cache);
  }
}
