/**
 * Line charts as inline SVG (no script, no network): axes with d3-scale's nice
 * ticks, one path per series (d3-shape), optional dots for sparse series such as
 * validation loss. Long series are thinned to at most `maxPoints` for drawing; the
 * path carries the original count in data-points.
 */
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import { esc, fmt } from './html.js';

export interface Series {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  /** Draw dots at each point (for sparse series). */
  dots?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  width?: number;
  height?: number;
  maxPoints?: number;
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];

function thin(points: ReadonlyArray<readonly [number, number]>, max: number): ReadonlyArray<readonly [number, number]> {
  if (points.length <= max) return points;
  const stride = points.length / max;
  const out: Array<readonly [number, number]> = [];
  for (let i = 0; i < max; i++) out.push(points[Math.floor(i * stride)]);
  out.push(points[points.length - 1]);
  return out;
}

export function lineChart(o: ChartOptions): string {
  const width = o.width ?? 720;
  const height = o.height ?? 320;
  const m = { top: 28, right: 16, bottom: 44, left: 72 };
  const all = o.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (all.length === 0) return `<p class="missing">${esc(o.title)}: no points.</p>`;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const x = scaleLinear()
    .domain([Math.min(...xs), Math.max(...xs) === Math.min(...xs) ? Math.min(...xs) + 1 : Math.max(...xs)])
    .range([m.left, width - m.right])
    .nice();
  const yMin = Math.min(...ys);
  const yMax = Math.max(...ys);
  const y = scaleLinear()
    .domain(yMin === yMax ? [yMin - 1, yMax + 1] : [yMin, yMax])
    .range([height - m.bottom, m.top])
    .nice();
  const path = line<readonly [number, number]>()
    .x((p) => +x(p[0]).toFixed(1))
    .y((p) => +y(p[1]).toFixed(1));

  const parts: string[] = [];
  const yFormat = y.tickFormat(6);
  const xFormat = x.tickFormat(8);
  for (const t of y.ticks(6)) {
    const py = y(t).toFixed(1);
    parts.push(`<line class="grid" x1="${m.left}" x2="${width - m.right}" y1="${py}" y2="${py}"/>`);
    parts.push(
      `<text class="tick" x="${m.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${esc(yFormat(t))}</text>`,
    );
  }
  for (const t of x.ticks(8)) {
    const px = x(t).toFixed(1);
    parts.push(
      `<text class="tick" x="${px}" y="${height - m.bottom + 16}" text-anchor="middle">${esc(xFormat(t))}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${m.left}" x2="${width - m.right}" y1="${height - m.bottom}" y2="${height - m.bottom}"/>`,
  );
  parts.push(`<line class="axis" x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${height - m.bottom}"/>`);
  parts.push(
    `<text class="label" x="${(m.left + width - m.right) / 2}" y="${height - 6}" text-anchor="middle">${esc(o.xLabel)}</text>`,
  );
  parts.push(
    `<text class="label" transform="translate(14 ${(m.top + height - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );

  const legend: string[] = [];
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    if (pts.length === 0) return;
    const drawn = thin(pts, o.maxPoints ?? 1500);
    parts.push(
      `<path class="series" data-series="${esc(s.name)}" data-points="${pts.length}" fill="none" stroke="${color}" stroke-width="1.6" d="${path(drawn) ?? ''}"/>`,
    );
    if (s.dots)
      for (const [a, b] of pts)
        parts.push(
          `<circle class="dot" data-series="${esc(s.name)}" cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="3" fill="${color}"><title>${esc(s.name)} at ${fmt(a)}: ${fmt(b)}</title></circle>`,
        );
    legend.push(`<span class="key"><i style="background:${color}"></i>${esc(s.name)}</span>`);
  });
  const svg = `<svg class="chart" role="img" aria-label="${esc(o.title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">\n${parts.join('\n')}\n</svg>`;
  return `<figure><figcaption>${esc(o.title)}</figcaption>${svg}<div class="legend">${legend.join('')}</div></figure>`;
}
