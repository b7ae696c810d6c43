/** One renderer per part of the page; each takes the run's artifacts and returns HTML. */
import { esc, fmt, missing, section, table } from './html.js';
import type { MetricRecord, RunArtifacts } from './read-run.js';
import { lineChart, type Series } from './svg-chart.js';

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Training-step records: a step and a loss (core writes them with event 'step'). */
export function stepRecords(metrics: readonly MetricRecord[]): MetricRecord[] {
  return metrics.filter((r) => num(r.step) && num(r.loss) && (r.event === undefined || r.event === 'step'));
}

function byStage(records: readonly MetricRecord[], key: string): Series[] {
  const groups = new Map<string, Array<readonly [number, number]>>();
  for (const r of records) {
    if (!num(r[key])) continue;
    const stage = String(r.stage ?? 'train');
    if (!groups.has(stage)) groups.set(stage, []);
    groups.get(stage)!.push([r.step as number, r[key] as number]);
  }
  return [...groups].map(([stage, points]) => ({ name: `${stage} ${key}`, points }));
}

/** Evaluation-during-training metrics ('val/loss', 'val/ppl', ...), drawn as dots; `losses` picks *loss keys or the rest. */
function evalSeries(metrics: readonly MetricRecord[], losses: boolean): Series[] {
  const groups = new Map<string, Array<readonly [number, number]>>();
  for (const r of metrics) {
    if (!num(r.step) || (r.event !== undefined && r.event !== 'eval' && r.event !== 'step')) continue;
    for (const [k, v] of Object.entries(r)) {
      if (!k.includes('/') || k.endsWith('loss') !== losses || !num(v)) continue;
      const name = `${r.stage ?? 'train'} ${k}`;
      if (!groups.has(name)) groups.set(name, []);
      groups.get(name)!.push([r.step, v]);
    }
  }
  return [...groups].map(([name, points]) => ({ name, points, dots: true }));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

export function summarySection(run: RunArtifacts): string {
  const steps = stepRecords(run.metrics);
  const cards: Array<[string, string]> = [];
  const stages = [...new Set(steps.map((r) => String(r.stage ?? 'train')))];
  for (const stage of stages) {
    const last = steps.filter((r) => String(r.stage ?? 'train') === stage).at(-1)!;
    cards.push([`final ${stage} loss`, `${fmt(last.loss)} <small>at step ${fmt(last.step)}</small>`]);
  }
  const val = evalSeries(run.metrics, true).flatMap((s) => s.points.map((p) => p[1]));
  if (val.length) cards.push(['best eval loss', fmt(Math.min(...val))]);
  const tps = steps.map((r) => r.tokensPerSecond).filter(num);
  if (tps.length) cards.push(['median tokens/s', fmt(Math.round(median(tps)))]);
  const seconds = Object.values(run.state?.stages ?? {})
    .map((s) => s.seconds)
    .filter(num);
  if (seconds.length) cards.push(['time in stages', `${fmt(Math.round(seconds.reduce((a, b) => a + b, 0)))} s`]);
  if (run.badMetricLines) cards.push(['unreadable metric lines', fmt(run.badMetricLines)]);
  if (run.replayedRecords) cards.push(['records logged twice by a resumed run (left out)', fmt(run.replayedRecords)]);
  const body = cards.length
    ? `<div class="cards">${cards.map(([k, v]) => `<div class="card"><div class="k">${esc(k)}</div><div class="v">${v}</div></div>`).join('')}</div>`
    : '<p class="missing">Nothing recorded yet.</p>';
  const stageRows = Object.entries(run.state?.stages ?? {}).map(([name, s]) => [
    esc(name),
    fmt(s.seconds),
    esc(s.finishedAt ?? ''),
    esc(
      Object.entries(s.metrics ?? {})
        .slice(0, 6)
        .map(([k, v]) => `${k}=${fmt(v)}`)
        .join(', '),
    ),
  ]);
  const stagesTable = stageRows.length ? table(['stage', 'seconds', 'finished', 'metrics'], stageRows, 'stages') : '';
  return section('summary', 'Summary', body + stagesTable);
}

export function trainingSection(run: RunArtifacts): string {
  const steps = stepRecords(run.metrics);
  if (steps.length === 0 && evalSeries(run.metrics, true).length === 0)
    return section('training', 'Training', missing('training steps', 'metrics.jsonl'));
  const loss = lineChart({
    title: 'Loss',
    xLabel: 'step',
    yLabel: 'loss',
    series: [...byStage(steps, 'loss'), ...evalSeries(run.metrics, true)],
  });
  const lrSeries = byStage(steps, 'lr');
  const lr = lrSeries.length
    ? lineChart({ title: 'Learning rate', xLabel: 'step', yLabel: 'learning rate', series: lrSeries })
    : '';
  const otherEvals = evalSeries(run.metrics, false);
  const evals = otherEvals.length
    ? lineChart({ title: 'Evaluation during training', xLabel: 'step', yLabel: 'value', series: otherEvals })
    : '';
  return section('training', 'Training', loss + lr + evals);
}

export function throughputSection(run: RunArtifacts): string {
  const steps = stepRecords(run.metrics);
  const series = byStage(steps, 'tokensPerSecond');
  if (series.length === 0)
    return section('throughput', 'Throughput', missing('throughput figures (tokensPerSecond)', 'metrics.jsonl'));
  const rows = series.map((s) => {
    const v = s.points.map((p) => p[1]);
    return [
      esc(s.name.replace(/ tokensPerSecond$/, '')),
      fmt(s.points.length),
      fmt(Math.round(median(v))),
      fmt(Math.round(Math.max(...v))),
    ];
  });
  return section(
    'throughput',
    'Throughput',
    lineChart({ title: 'Tokens per second', xLabel: 'step', yLabel: 'tokens/s', series }) +
      table(['stage', 'steps', 'median tokens/s', 'max tokens/s'], rows, 'throughput'),
  );
}

export function dataSection(run: RunArtifacts): string {
  const r = run.dataReport;
  if (!r) return section('data', 'Data cleaning', missing('data-cleaning report', 'data/report.json'));
  const pct = (a?: number, b?: number) =>
    num(a) && num(b) && b > 0 ? ` (${fmt(Math.round((1000 * a) / b) / 10)}%)` : '';
  const totals = `<p class="totals">Kept <b>${fmt(r.docsOut)}</b> of ${fmt(r.docsIn)} documents${pct(r.docsOut, r.docsIn)} and <b>${fmt(r.charsOut)}</b> of ${fmt(r.charsIn)} characters${pct(r.charsOut, r.charsIn)}.</p>`;
  const rules = Object.entries(r.rules ?? {}).sort((a, b) => (a[1].stage ?? 0) - (b[1].stage ?? 0));
  const rows = rules.map(([name, s]) => {
    const reasons = Object.entries(s.reasons ?? {})
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([why, n]) => `${esc(why)} (${fmt(n)})`)
      .join('; ');
    const charsDropped = num(s.charsIn) && num(s.charsOut) ? s.charsIn - s.charsOut : undefined;
    return [esc(name), esc(s.plugin ?? ''), fmt(s.docsIn), fmt(s.dropped), fmt(charsDropped), reasons];
  });
  const examples = rules
    .filter(([, s]) => s.examples?.length)
    .map(
      ([name, s]) =>
        `<details><summary>${esc(name)}: ${fmt(s.examples!.length)} example${s.examples!.length === 1 ? '' : 's'} dropped</summary><ul>${s
          .examples!.map(
            (e) =>
              `<li><code>${esc(e.id)}</code>${e.detail ? ` — ${esc(e.detail)}` : ''}${e.duplicateOf ? ` (duplicate of <code>${esc(e.duplicateOf)}</code>)` : ''}<pre>${esc(e.excerpt)}</pre></li>`,
          )
          .join('')}</ul></details>`,
    )
    .join('\n');
  return section(
    'data',
    'Data cleaning',
    totals +
      table(['rule', 'plugin', 'docs in', 'docs dropped', 'chars dropped', 'top reasons'], rows, 'rules') +
      examples,
  );
}

/** Flattens { scores: {...} }, { evaluator: { metric } } or { metric: n } into metric rows. */
function flattenScores(value: unknown, prefix = ''): Array<[string, number]> {
  if (num(value)) return [[prefix, value]];
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'format' || k === 'version' ? [] : flattenScores(v, prefix ? `${prefix}/${k}` : k),
  );
}

export function evalSection(run: RunArtifacts): string {
  if (!run.evalResults) return section('evaluation', 'Evaluation', missing('evaluation results', 'eval/results.json'));
  const source = (run.evalResults as { scores?: unknown }).scores ?? run.evalResults;
  const rows = flattenScores(source).map(([k, v]) => [esc(k), fmt(v)]);
  return section(
    'evaluation',
    'Evaluation',
    rows.length
      ? table(['metric', 'value'], rows, 'eval')
      : '<p class="missing">eval/results.json holds no numeric scores.</p>',
  );
}

export function samplesSection(run: RunArtifacts): string {
  if (!run.samples) return section('samples', 'Sample generations', missing('sample generations', 'eval/samples.json'));
  const items = run.samples.map((s, i) => {
    const where = [s.stage, num(s.step) ? `step ${fmt(s.step)}` : ''].filter(Boolean).join(', ');
    return `<div class="sample"><div class="meta">#${i + 1}${where ? ` · ${esc(where)}` : ''}</div><pre class="prompt">${esc(s.prompt)}</pre><pre class="completion">${esc(s.completion)}</pre></div>`;
  });
  return section('samples', 'Sample generations', items.join('\n') || '<p class="missing">No samples.</p>');
}

export function configSection(run: RunArtifacts): string {
  const c = run.config;
  if (!c) return section('config', 'Configuration', missing('configuration', 'config.json'));
  const rows: string[][] = [];
  for (const key of ['name', 'seed', 'backend', 'runDir', 'configFile'])
    if (c[key] !== undefined) rows.push([esc(key), `<code>${esc(c[key])}</code>`]);
  const plugins = Array.isArray(c.plugins) ? (c.plugins as Array<{ name?: string; version?: string }>) : [];
  if (plugins.length)
    rows.push([
      'plugins',
      plugins.map((p) => `<code>${esc(p.name)}${p.version ? `@${esc(p.version)}` : ''}</code>`).join(' '),
    ]);
  for (const [key, value] of Object.entries(c)) {
    if (value && typeof value === 'object' && key !== 'plugins')
      rows.push([esc(key), `<pre>${esc(JSON.stringify(value, null, 2))}</pre>`]);
  }
  return section('config', 'Configuration', table(['field', 'value'], rows, 'config'));
}
