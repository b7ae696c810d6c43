/** The train, finetune and align stages: the `trainer` provider named by `<stage>.trainer` (else the first for the stage). */

import { tappedItems } from '../hooks.js';
import { ownerOf } from '../hooks-facade.js';
import { guarded } from '../plugin-errors.js';
import type { TrainerProvider } from '../types.js';
import { optionsOf, type StageDriver } from './driver.js';
import { missingProvider } from './missing-provider.js';
import { withResume } from './resume.js';

type TrainingStage = 'train' | 'finetune' | 'align';

export function trainerStage(stage: TrainingStage): StageDriver {
  const find = (config: Parameters<StageDriver['check']>[0], hooks: Parameters<StageDriver['check']>[1]) => {
    const name = config[stage]?.trainer;
    const trainer = hooks.trainer.call(name, stage);
    if (trainer) return trainer;
    throw missingProvider(config, 'trainer', {
      stage,
      requested: name,
      field: `${stage}.trainer`,
      available: tappedItems<TrainerProvider>(hooks.trainer).map((t) => `${t.name} (${t.stage})`),
    });
  };
  return {
    check(config, hooks) {
      find(config, hooks);
    },
    everyRank: (config, hooks) => find(config, hooks).distributed === true,
    async run(ctx, hooks, how) {
      const trainer = find(ctx.config, hooks);
      const run = guarded(ownerOf(hooks.trainer, trainer), 'trainer', trainer.name, trainer.run.bind(trainer));
      const options = optionsOf(ctx.config[stage], 'trainer');
      return run(how?.resume ? await withResume(options, trainer, ctx) : options, ctx);
    },
  };
}
