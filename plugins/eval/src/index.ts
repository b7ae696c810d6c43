export { perplexity, multipleChoice, exactAnswer, samples } from './plugins.js';
export type { PerplexityPluginOptions, MultipleChoiceOptions, ExactAnswerOptions, SamplesOptions } from './plugins.js';
export { sequencePerplexity, bitsPerByte, type PerplexityOptions, type PerplexityResult } from './perplexity.js';
export { scoreMultipleChoice, engineLogLikelihood, type LogLikelihood, type ChoiceScores } from './scoring.js';
export { loadChoiceItems, loadAnswerItems, type ChoiceItem, type AnswerItem } from './tasks.js';
