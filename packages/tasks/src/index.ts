export { taskSplits, toChat, toJsonl, toPreference, toPrompt } from './split.js';
export { addition, reverseWord, sortDigits, TASK_FAMILIES, type TaskFamily, type TaskInstance } from './tasks.js';
