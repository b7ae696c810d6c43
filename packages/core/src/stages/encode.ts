/** The encode stage: the `encoder` provider (by `encode.encoder`, else the first) turns clean documents into token shards. */

import { tappedItems } from '../hooks.js';
import { ownerOf } from '../hooks-facade.js';
import { guarded } from '../plugin-errors.js';
import type { EncoderProvider } from '../types.js';
import { optionsOf, type StageDriver } from './driver.js';
import { missingProvider } from './missing-provider.js';

function encoderFor(
  config: Parameters<StageDriver['check']>[0],
  hooks: Parameters<StageDriver['check']>[1],
): EncoderProvider {
  const name = config.encode?.encoder;
  const encoder = hooks.encoder.call(name);
  if (encoder) return encoder;
  throw missingProvider(config, 'encoder', {
    stage: 'encode',
    requested: name,
    field: 'encode.encoder',
    available: tappedItems<EncoderProvider>(hooks.encoder).map((e) => e.name),
  });
}

export const encodeStage: StageDriver = {
  check(config, hooks) {
    encoderFor(config, hooks);
  },
  async run(ctx, hooks) {
    const encoder = encoderFor(ctx.config, hooks);
    const run = guarded(ownerOf(hooks.encoder, encoder), 'encoder', encoder.name, encoder.run.bind(encoder));
    return run(optionsOf(ctx.config.encode, 'encoder'), ctx);
  },
};
