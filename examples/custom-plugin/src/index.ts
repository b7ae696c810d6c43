/**
 * kiln-plugin-stage-directions: a third-party Kiln plugin with two hooks.
 * - cleaner `stage-directions` (CLEAN_STAGE.NORMALIZE + 1): removes "(Applause.)" and the
 *   like from transcripts, and drops a document that was nothing but directions;
 * - reward `no-stage-directions`: 1 for a completion without directions, minus `penalty`
 *   for each one (never below -1), for GRPO/PPO alignment.
 */
import { CLEAN_STAGE, type CleanerHook, type KilnPlugin, type RewardFunction } from '@kiln/core';
import { countDirections, DEFAULT_DIRECTIONS, directionPattern, stripDirections } from './stage-directions.js';

export { countDirections, DEFAULT_DIRECTIONS, directionPattern, stripDirections } from './stage-directions.js';

export interface StageDirectionsOptions {
  /** Words that make a bracketed note a direction (default: applause, laughter, cheers...). */
  words?: string[];
  /** Reward lost per direction in a completion (default 0.5). */
  penalty?: number;
  /** Weight of the reward in the sum of rewards (default 1). */
  weight?: number;
}

function checkOptions(options: StageDirectionsOptions): Required<StageDirectionsOptions> {
  const { words = DEFAULT_DIRECTIONS, penalty = 0.5, weight = 1, ...unknown } = options;
  const extra = Object.keys(unknown);
  if (extra.length > 0) throw new Error(`unknown option "${extra[0]}" (options: words, penalty, weight)`);
  if (!Array.isArray(words) || words.length === 0 || !words.every((w) => typeof w === 'string' && w.trim() !== '')) {
    throw new Error('words must be a non-empty list of non-empty strings');
  }
  if (!(penalty > 0 && penalty <= 2)) throw new Error(`penalty must be in (0, 2], got ${penalty}`);
  if (!(weight > 0)) throw new Error(`weight must be positive, got ${weight}`);
  return { words, penalty, weight };
}

export default function stageDirections(options: StageDirectionsOptions = {}): KilnPlugin {
  const checked = checkOptions(options);
  const pattern = directionPattern(checked.words);
  const cleaner: CleanerHook = {
    rule: 'stage-directions',
    // Right after Unicode normalization: later rules (quality, dedup) judge the spoken words only.
    stage: CLEAN_STAGE.NORMALIZE + 1,
    clean(doc, ctx) {
      const { text, removed } = stripDirections(doc.text, pattern);
      if (removed === 0) return doc;
      if (text.trim() === '') return ctx.drop('stage-directions', `only stage directions (${removed})`);
      return { ...doc, text };
    },
  };
  const reward: RewardFunction = {
    name: 'no-stage-directions',
    weight: checked.weight,
    score: ({ completion }) => Math.max(-1, 1 - checked.penalty * countDirections(completion, pattern)),
  };
  // cacheKey: `kiln run` reruns the data stage when these options change.
  return { name: 'kiln-plugin-stage-directions', version: '0.1.0', cacheKey: checked, cleaner, reward };
}
