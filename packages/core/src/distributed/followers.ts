/**
 * Ranks other than 0 in a data-parallel run compute but write nothing: rank 0
 * alone writes checkpoints, metrics, state and progress. Their logger keeps
 * errors only (prefixed with the rank), their metrics and run-directory
 * writes are dropped; they still read the run directory (data, shards).
 */
import type { Logger, MetricsSink, RunDir } from '../types.js';

export function followerLogger(logger: Logger, rank: number): Logger {
  const none = () => {};
  return {
    debug: none,
    info: none,
    warn: none,
    error: (message, data) => logger.error(`rank ${rank}: ${message}`, data),
  };
}

const dropped = { write() {}, rewind: () => 0, restart: () => 0 };
export const followerMetrics: MetricsSink = dropped;

export function followerRunDir(runDir: RunDir): RunDir {
  return {
    root: runDir.root,
    path: (...parts) => runDir.path(...parts),
    readJson: (relPath) => runDir.readJson(relPath),
    exists: (relPath) => runDir.exists(relPath),
    writeAtomic: async () => {},
    writeJson: async () => {},
  };
}
