/**
 * `kiln report`: one self-contained HTML page for a run directory. No script and
 * no network: charts are inline SVG, styles are inline, and a Content-Security-Policy
 * forbids fetching anything, so the page can be mailed or archived as one file.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@kiln/tensor';
import { compressionSection } from './compression-section.js';
import { esc } from './html.js';
import { type RunArtifacts, readRun } from './read-run.js';
import {
  configSection,
  dataSection,
  evalSection,
  samplesSection,
  summarySection,
  throughputSection,
  trainingSection,
} from './sections.js';

const STYLE = `
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; background: #f9fafb; }
body { max-width: 980px; margin: 0 auto; padding: 24px; }
h1 { margin: 0 0 4px; } .sub { color: #6b7280; margin: 0 0 24px; }
nav a { margin-right: 12px; color: #2563eb; }
section { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
h2 { margin-top: 0; font-size: 1.25rem; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: .9rem; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
th { background: #f3f4f6; }
td pre { margin: 0; font-size: .8rem; }
pre { white-space: pre-wrap; word-break: break-word; background: #f3f4f6; padding: 8px; border-radius: 6px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 12px; }
.card { border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 14px; min-width: 150px; }
.card .k { color: #6b7280; font-size: .8rem; } .card .v { font-size: 1.3rem; font-weight: 600; }
.card small { font-size: .7rem; color: #6b7280; font-weight: 400; }
figure { margin: 8px 0 16px; } figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { max-width: 100%; height: auto; background: #fff; }
svg .grid { stroke: #e5e7eb; } svg .axis { stroke: #6b7280; } svg .tick, svg .label { font-size: 11px; fill: #4b5563; }
.legend .key { margin-right: 14px; font-size: .85rem; } .legend i { display: inline-block; width: 12px; height: 3px; margin-right: 4px; vertical-align: middle; }
.sample { margin: 12px 0; } .sample .meta { color: #6b7280; font-size: .8rem; }
pre.prompt { border-left: 3px solid #9ca3af; } pre.completion { border-left: 3px solid #2563eb; background: #eff6ff; }
.missing { color: #6b7280; font-style: italic; }
`;

export function renderReport(run: RunArtifacts, generatedAt = new Date()): string {
  const name =
    typeof run.config?.name === 'string' ? run.config.name : (run.root.split(/[\\/]/).filter(Boolean).at(-1) ?? 'run');
  const sections = [
    summarySection,
    trainingSection,
    throughputSection,
    dataSection,
    evalSection,
    compressionSection,
    samplesSection,
    configSection,
  ].map((render) => render(run));
  const nav = ['summary', 'training', 'throughput', 'data', 'evaluation', 'compression', 'samples', 'config']
    .map((id) => `<a href="#${id}">${id}</a>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="@kiln/report">
<title>Kiln report: ${esc(name)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Kiln report: ${esc(name)}</h1>
<p class="sub">Run directory <code>${esc(run.root)}</code> · generated ${esc(generatedAt.toISOString())}</p>
<nav>${nav}</nav>
${sections.join('\n')}
</body>
</html>
`;
}

export interface BuildReportOptions {
  /** Output file (default <runDir>/report.html). */
  out?: string;
}

/** Reads the run directory and writes the page atomically; returns its path. */
export async function buildReport(runDir: string, options: BuildReportOptions = {}): Promise<string> {
  const run = await readRun(runDir);
  const out = options.out ?? join(runDir, 'report.html');
  await mkdir(dirname(out), { recursive: true });
  await writeFileAtomic(out, renderReport(run));
  return out;
}
