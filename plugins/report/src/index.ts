export { buildReport, renderReport, type BuildReportOptions } from './build-report.js';
export { readRun, type RunArtifacts, type MetricRecord, type DataReport, type Sample, type CompressionEntry } from './read-run.js';
export { lineChart, type Series, type ChartOptions } from './svg-chart.js';
export { default, type ReportPluginOptions } from './plugin.js';
