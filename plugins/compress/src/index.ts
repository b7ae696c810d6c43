export { prune, quantize, type PruneOptions, type QuantizePluginOptions } from './plugins.js';
export { quantizeMatrix, transpose, type QuantizeOptions } from './quantize.js';
export { pruneUnstructured, pruneNM } from './prune.js';
export { REPORT_FILE, type CompressionEntry, type MeasureOptions } from './measure.js';
