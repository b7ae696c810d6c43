export { type MaskedLMLossOptions, type MaskedLMLossResult, maskedLMLoss } from './masked-lm.js';
export { bitsPerByte, type PerplexityOptions, type PerplexityResult, sequencePerplexity } from './perplexity.js';
export type {
  ExactAnswerOptions,
  MaskedLMPluginOptions,
  MultipleChoiceOptions,
  PerplexityPluginOptions,
  SamplesOptions,
} from './plugins.js';
export { exactAnswer, maskedLM, multipleChoice, perplexity, samples } from './plugins.js';
export { type ChoiceScores, engineLogLikelihood, type LogLikelihood, scoreMultipleChoice } from './scoring.js';
export { answerTaskItems, type TaskAccuracyOptions, taskAccuracy } from './task-accuracy.js';
export { freshInstances, promptsIn, readTaskItems, type TaskItem, type TaskSource } from './task-items.js';
export { type AnswerItem, type ChoiceItem, loadAnswerItems, loadChoiceItems } from './tasks.js';
export { wilsonInterval } from './wilson.js';
