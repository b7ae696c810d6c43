import type { KilnPlugin, TrainerProvider } from '@kiln/core';
import { type SftOptions, sftOptionsSchema } from './options.js';
import { trainSft } from './sft.js';

export { BUILTIN_CHAT_TEMPLATES, CHATML, LLAMA3 } from './chat/builtin.js';
export { jinjaTrainingTemplate } from './chat/jinja-template.js';
export { resolveChatTemplate } from './chat/resolve.js';
export { chatTemplateFromConfig, chatTemplateFromTokenizerDir } from './chat/tokenizer-config.js';
export { type ChatRecord, readChatJsonl, toChatRecord } from './chat-data.js';
export {
  CHAT_TEMPLATES,
  type ChatMessage,
  type ChatPiece,
  chatml,
  chatTemplateByName,
  checkTemplateTokenizer,
  type TrainingChatTemplate,
} from './chat-template.js';
export { applyLora, type LoraHandle, type LoraOptions } from './lora.js';
export { LORA_FILE, loadLoraWeights, loraWeights } from './lora-files.js';
export { writeChatFiles } from './model-files.js';
export { type SftOptions, type SftOptionsInput, sftOptionsSchema } from './options.js';
export { PackedBatches, type PackedBatchesState, type PackedRow, packExamples } from './packing.js';
export { type LoopResult, type LoopStep, type ResumableLoop, runResumableLoop } from './resume/loop.js';
export { checkpointOptions } from './resume/options.js';
export { type ResumePoint, StageCheckpoints } from './resume/stage-checkpoints.js';
export { type SftInputs, trainSft, WRITER } from './sft.js';
export { encodeChat, encodeChatPrompt, encodeText, type SftExample } from './sft-example.js';

/** `finetune: { trainer: 'sft', data: { chat: 'train.jsonl' }, lora: { rank: 8 } }`. */
export default function finetune(): KilnPlugin {
  const sft: TrainerProvider = {
    name: 'sft',
    stage: 'finetune',
    options: sftOptionsSchema,
    // Core checked the section with sftOptionsSchema: these are its parsed, defaulted options.
    run: (options, ctx) => trainSft(options as SftOptions, ctx),
  };
  return {
    name: 'kiln:finetune',
    version: '0.1.0',
    cacheKey: {} /* no options: its settings are the stage section */,
    trainer: sft,
  };
}
