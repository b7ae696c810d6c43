/** The Compression part of the page: what each compressor of @kiln/compress saved, and what it cost in perplexity. */
import { esc, fmt, missing, section, table } from './html.js';
import type { CompressionEntry, RunArtifacts } from './read-run.js';

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Bytes as people read them: B, KiB, MiB, GiB with 3-4 significant digits. */
export function fmtBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? fmt(value) : value.toLocaleString('en-US', { maximumSignificantDigits: 4 })} ${units[unit]}`;
}

/** A signed percentage with two decimals: +0.02%, -1.90%. */
const pct = (change: number) => `${change >= 0 ? '+' : ''}${(100 * change).toFixed(2)}%`;

const KNOWN = new Set([
  'compressor',
  'settings',
  'bytesBefore',
  'bytesAfter',
  'ratio',
  'pplBefore',
  'pplAfter',
  'pplChange',
]);

/** Settings and any extra figures a compressor recorded (prune's achieved sparsity...), as k=v. */
function details(e: CompressionEntry): string {
  const pairs = [...Object.entries(e.settings ?? {}), ...Object.entries(e).filter(([k]) => !KNOWN.has(k))];
  return pairs
    .map(([k, v]) => `${esc(k)}=${num(v) ? fmt(v) : esc(typeof v === 'object' ? JSON.stringify(v) : v)}`)
    .join(', ');
}

export function compressionSection(run: RunArtifacts): string {
  const entries = run.compression;
  if (!entries) return section('compression', 'Compression', missing('compression results', 'compress/report.json'));
  if (entries.length === 0)
    return section('compression', 'Compression', '<p class="missing">compress/report.json lists no compressor.</p>');
  const rows = entries.map((e) => {
    const ratio = num(e.ratio) ? e.ratio : e.bytesAfter > 0 ? e.bytesBefore / e.bytesAfter : NaN;
    const change = num(e.pplChange)
      ? e.pplChange
      : num(e.pplBefore) && num(e.pplAfter)
        ? e.pplAfter / e.pplBefore - 1
        : undefined;
    return [
      esc(e.compressor),
      fmtBytes(e.bytesBefore),
      fmtBytes(e.bytesAfter),
      `${fmt(Math.round(ratio * 100) / 100)}×`,
      num(e.pplBefore) ? fmt(e.pplBefore) : '—',
      num(e.pplAfter) ? fmt(e.pplAfter) : '—',
      change === undefined ? '<span class="missing">not measured</span>' : pct(change),
      details(e),
    ];
  });
  return section(
    'compression',
    'Compression',
    table(
      [
        'compressor',
        'size before',
        'size after',
        'smaller by',
        'perplexity before',
        'perplexity after',
        'perplexity change',
        'settings',
      ],
      rows,
      'compression',
    ),
  );
}
