import { IGNORE_INDEX } from '@kiln/tensor';

/** A prompt and a completion, as token ids. */
export interface PromptCompletion {
  prompt: readonly number[];
  completion: readonly number[];
}

/**
 * Rows of T tokens for scoring completions: ids = prompt + completion (padded
 * with padId), targets are the completion's tokens only, so a row's summed
 * log-prob is log π(completion | prompt).
 */
export function completionRows(
  items: readonly PromptCompletion[],
  padId: number,
  T?: number,
): { ids: Int32Array; targets: Int32Array; T: number; lengths: number[] } {
  const need = Math.max(...items.map((x) => x.prompt.length + x.completion.length));
  const width = T ?? need;
  if (need > width) throw new Error(`completionRows: a prompt + completion of ${need} tokens does not fit ${width}`);
  const ids = new Int32Array(items.length * width).fill(padId);
  const targets = new Int32Array(items.length * width).fill(IGNORE_INDEX);
  const lengths: number[] = [];
  items.forEach((x, b) => {
    const all = [...x.prompt, ...x.completion];
    ids.set(all, b * width);
    if (x.prompt.length === 0)
      throw new Error('completionRows: an empty prompt (the first completion token needs a context)');
    for (let t = x.prompt.length - 1; t + 1 < all.length; t++) targets[b * width + t] = all[t + 1];
    lengths.push(all.length);
  });
  return { ids, targets, T: width, lengths };
}
