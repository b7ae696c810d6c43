export { type BuildReportOptions, buildReport, renderReport } from './build-report.js';
export { default, type ReportPluginOptions } from './plugin.js';
export {
  type CompressionEntry,
  type DataReport,
  type MetricRecord,
  type RunArtifacts,
  readRun,
  type Sample,
} from './read-run.js';
export { type ChartOptions, lineChart, type Series } from './svg-chart.js';
