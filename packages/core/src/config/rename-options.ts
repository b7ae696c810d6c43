/** Unknown-key checks with a did-you-mean, for an architecture plugin's `model:` options (Llama, BERT). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** Map option names to config fields; an unknown key is an error naming the plugin and the closest known key. */
export function renameOptions<C>(options: Record<string, unknown>, keys: Record<string, keyof C>, where: string): Partial<C> {
  const c: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (k === 'architecture' || v === undefined) continue;
    const target = keys[k];
    if (!target) {
      const best = Object.keys(keys).map((o) => [o, editDistance(k, o)] as const).sort((a, b) => a[1] - b[1])[0];
      const hint = best && best[1] <= 3 ? ` (did you mean '${best[0]}'?)` : `; known: ${Object.keys(keys).join(', ')}`;
      throw new Error(`${where}: unknown option model.${k}${hint}`);
    }
    c[target as string] = v;
  }
  return c as Partial<C>;
}
