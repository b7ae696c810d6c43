/** The lines `kiln run` prints at the end: each stage's metrics, sizes in readable units, and where its files are. */
import type { StageResult } from '@kiln/core';

const bytes = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`;

/** The model directory, else the folders (or single files) of the outputs, at most two levels deep. */
function placesOf(result: StageResult): string[] {
  if (result.modelDir !== undefined) return [result.modelDir];
  const places = (result.outputs ?? []).map((o) => o.split(/[\\/]/).slice(0, 2).join('/'));
  return [...new Set(places)];
}

export function summary(runDir: string, results: Record<string, StageResult>): string {
  const lines = Object.entries(results).map(([stage, result]) => {
    const metrics = Object.entries(result.metrics ?? {})
      .map(
        ([k, v]) =>
          `${k}=${k === 'bytes' || k.endsWith('/bytes') ? bytes(v) : Number.isInteger(v) ? v : v.toPrecision(4)}`,
      )
      .join(' ');
    const places = placesOf(result);
    return `  ${stage.padEnd(10)} ${metrics}${places.length ? ` → ${places.join(', ')}` : ''}`.trimEnd();
  });
  return `done: ${runDir}\n${lines.join('\n')}\n`;
}
