import type { KilnPlugin, TrainerProvider } from '@kiln/core';
import { sftOptionsSchema } from './options.js';
import { trainSft } from './sft.js';

export { chatml, CHAT_TEMPLATES, chatTemplateByName, checkTemplateTokenizer, type ChatMessage, type ChatPiece, type TrainingChatTemplate } from './chat-template.js';
export { CHATML, LLAMA3, BUILTIN_CHAT_TEMPLATES } from './chat/builtin.js';
export { jinjaTrainingTemplate } from './chat/jinja-template.js';
export { chatTemplateFromConfig, chatTemplateFromTokenizerDir } from './chat/tokenizer-config.js';
export { resolveChatTemplate } from './chat/resolve.js';
export { readChatJsonl, toChatRecord, type ChatRecord } from './chat-data.js';
export { encodeChat, encodeText, type SftExample } from './sft-example.js';
export { packExamples, PackedBatches, type PackedRow, type PackedBatchesState } from './packing.js';
export { applyLora, type LoraHandle, type LoraOptions } from './lora.js';
export { sftOptionsSchema, parseOptions, type SftOptions, type SftOptionsInput } from './options.js';
export { writeChatFiles } from './model-files.js';
export { trainSft, WRITER, type SftInputs } from './sft.js';
export { loraWeights, loadLoraWeights, LORA_FILE } from './lora-files.js';
export { checkpointOptions } from './resume/options.js';
export { StageCheckpoints, type ResumePoint } from './resume/stage-checkpoints.js';
export { runResumableLoop, type ResumableLoop, type LoopResult, type LoopStep } from './resume/loop.js';

/** `finetune: { trainer: 'sft', data: { chat: 'train.jsonl' }, lora: { rank: 8 } }`. */
export default function finetune(): KilnPlugin {
  const sft: TrainerProvider = { name: 'sft', stage: 'finetune', options: sftOptionsSchema, run: (options, ctx) => trainSft(options, ctx) };
  return { name: 'kiln:finetune', version: '0.1.0', cacheKey: {} /* no options: its settings are the stage section */, trainer: sft };
}
