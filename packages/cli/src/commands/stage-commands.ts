/**
 * The pipeline commands, as one table: each runs some stages of the config.
 * Commands that later work fills in sit in the second table until a package
 * provides them.
 */
import type { Kiln, StageName } from '@kiln/core';

export interface StageCommand {
  name: string;
  description: string;
  stages(kiln: Kiln): StageName[];
}

export const STAGE_COMMANDS: readonly StageCommand[] = [
  { name: 'run', description: 'run every configured stage, in pipeline order', stages: (kiln) => kiln.defaultStages() },
  {
    name: 'prepare',
    description: 'collect and clean data, train the tokenizer, encode token shards',
    stages: () => ['data', 'tokenizer', 'encode'],
  },
  { name: 'data', description: 'collect and clean data (data/clean.jsonl, data/report.json)', stages: () => ['data'] },
  { name: 'tokenizer', description: 'train the tokenizer on the cleaned data', stages: () => ['tokenizer'] },
  { name: 'encode', description: 'encode cleaned documents into token shards', stages: () => ['encode'] },
  { name: 'train', description: 'pretrain the model', stages: () => ['train'] },
  { name: 'finetune', description: 'instruction-tune the model', stages: () => ['finetune'] },
  { name: 'align', description: 'align the model with rewards (DPO, GRPO...)', stages: () => ['align'] },
  {
    name: 'eval',
    description: 'run every evaluator on the trained model (the last training stage; eval/results.json)',
    stages: () => ['eval'],
  },
  { name: 'compress', description: 'prune and quantize the trained model', stages: () => ['compress'] },
  {
    name: 'export',
    description:
      "write the trained model in every configured export format (export.model: 'compress' for the compressed one)",
    stages: () => ['export'],
  },
];

export interface PendingCommand {
  name: string;
  description: string;
  /** What the user needs before the command can work. */
  needs: string;
}

/** None left: generate, serve and report are in commands/model-commands.ts. */
export const PENDING_COMMANDS: readonly PendingCommand[] = [];
