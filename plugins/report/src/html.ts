/** Tiny HTML helpers: everything from the run directory is text, so it is escaped. */
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A number as people read it: 3 significant digits, thousands separators for big ones. */
export function fmt(value: unknown): string {
  if (typeof value !== 'number') return esc(value);
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(2);
  return value.toLocaleString('en-US', { maximumSignificantDigits: 4 });
}

export function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>, className = ''): string {
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${esc(className)}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function section(id: string, title: string, body: string): string {
  return `<section id="${esc(id)}"><h2>${esc(title)}</h2>\n${body}\n</section>`;
}

export const missing = (what: string, file: string) =>
  `<p class="missing">No ${esc(what)} in this run (<code>${esc(file)}</code> not found).</p>`;
