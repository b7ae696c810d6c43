/**
 * The normalizers Kiln's BPE tokenizers apply before pre-tokenization, by their
 * Hugging Face names. Off by default for byte-level BPE (GPT-2 uses none): the
 * cleaning stage already normalizes, and a tokenizer that changes text cannot round-trip it.
 */

export type NormalizerName = 'NFC' | 'NFD' | 'NFKC' | 'NFKD' | 'Lowercase';
export const NORMALIZERS: readonly NormalizerName[] = ['NFC', 'NFD', 'NFKC', 'NFKD', 'Lowercase'];

export function applyNormalizers(text: string, steps: readonly NormalizerName[]): string {
  for (const s of steps) text = s === 'Lowercase' ? text.toLowerCase() : text.normalize(s);
  return text;
}

/** tokenizer.json "normalizer" for these steps (null when none). */
export function normalizerToJson(steps: readonly NormalizerName[]): unknown {
  if (steps.length === 0) return null;
  if (steps.length === 1) return { type: steps[0] };
  return { type: 'Sequence', normalizers: steps.map((type) => ({ type })) };
}

/** Reads a tokenizer.json "normalizer"; throws naming what is unsupported. */
export function normalizerFromJson(json: unknown, where: string): NormalizerName[] {
  if (json === null || json === undefined) return [];
  const node = json as { type?: string; normalizers?: unknown[] };
  if (node.type === 'Sequence') return (node.normalizers ?? []).flatMap((n) => normalizerFromJson(n, where));
  if (NORMALIZERS.includes(node.type as NormalizerName)) return [node.type as NormalizerName];
  throw new Error(
    `${where}: normalizer ${JSON.stringify(node.type)} is not supported (supported: ${NORMALIZERS.join(', ')}, Sequence)`,
  );
}
