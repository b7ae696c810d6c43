/**
 * Resuming an interrupted training stage: the trainer's own `resume` option
 * (continue from <runDir>/checkpoints/latest) is switched on, unless the trainer's
 * options schema does not accept it (no schema: no resume). The validated section
 * holds the schema's default (false), so an explicit false cannot be told apart:
 * `kiln run --force` is the way to start an interrupted stage over.
 */
import type { KilnContext, TrainerProvider } from '../types.js';

export async function withResume(
  options: Record<string, unknown>,
  trainer: TrainerProvider,
  ctx: KilnContext,
): Promise<Record<string, unknown>> {
  if (options.resume === true) return options;
  const resumed = { ...options, resume: true };
  const verdict = await trainer.options?.['~standard'].validate(resumed);
  if (!verdict || verdict.issues) {
    ctx.logger.warn(`trainer "${trainer.name}" declares no resume option: the interrupted stage starts over`);
    return options;
  }
  ctx.logger.info(`trainer "${trainer.name}": resuming from the last checkpoint`);
  return resumed;
}
