/** The built-in stage drivers, one per pipeline stage. */
import type { StageName } from '../types.js';
import { dataStage } from './data.js';
import type { StageDriver } from './driver.js';
import { encodeStage } from './encode.js';
import { compressStage, evalStage, exportStage } from './model-stages.js';
import { tokenizerStage } from './tokenizer.js';
import { trainerStage } from './trainer.js';

export const STAGE_DRIVERS: Readonly<Record<StageName, StageDriver>> = {
  data: dataStage,
  tokenizer: tokenizerStage,
  encode: encodeStage,
  train: trainerStage('train'),
  finetune: trainerStage('finetune'),
  align: trainerStage('align'),
  eval: evalStage,
  compress: compressStage,
  export: exportStage,
};
