export { perplexity, maskedLM, multipleChoice, exactAnswer, samples } from './plugins.js';
export type { PerplexityPluginOptions, MaskedLMPluginOptions, MultipleChoiceOptions, ExactAnswerOptions, SamplesOptions } from './plugins.js';
export { maskedLMLoss, type MaskedLMLossOptions, type MaskedLMLossResult } from './masked-lm.js';
export { sequencePerplexity, bitsPerByte, type PerplexityOptions, type PerplexityResult } from './perplexity.js';
export { scoreMultipleChoice, engineLogLikelihood, type LogLikelihood, type ChoiceScores } from './scoring.js';
export { loadChoiceItems, loadAnswerItems, type ChoiceItem, type AnswerItem } from './tasks.js';
export { taskAccuracy, type TaskAccuracyOptions } from './task-accuracy.js';
export { readTaskItems, freshInstances, promptsIn, type TaskItem, type TaskSource } from './task-items.js';
export { wilsonInterval } from './wilson.js';
