export { taskSplits, toChat, toJsonl, toPreference, toPrompt } from './split.js';
export {
  addition,
  multiplication,
  reverseWord,
  sortDigits,
  TASK_FAMILIES,
  type TaskFamily,
  type TaskInstance,
} from './tasks.js';
