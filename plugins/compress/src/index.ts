export { type CompressionEntry, type MeasureOptions, REPORT_FILE } from './measure.js';
export { type PruneOptions, prune, type QuantizePluginOptions, quantize } from './plugins.js';
export { pruneNM, pruneUnstructured } from './prune.js';
export { type QuantizeOptions, quantizeMatrix, transpose } from './quantize.js';
