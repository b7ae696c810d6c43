export { addition, reverseWord, sortDigits, TASK_FAMILIES, type TaskFamily, type TaskInstance } from './tasks.js';
export { taskSplits, toChat, toPrompt, toPreference, toJsonl } from './split.js';
