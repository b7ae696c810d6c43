/**
 * state.json: each finished stage with a hash of the config it ran with, and
 * the run's latest model directory. Later work can skip up-to-date stages.
 * config.json: the resolved config as plain JSON (plugins by name and version).
 */
import { createHash } from 'node:crypto';
import type { FileStamp, SourceStamp } from './stage-cache.js';
import type { ResolvedConfig, RunDir, StageName, StageResult } from './types.js';
import { WRITER } from './version.js';

/** Config sections each stage depends on. */
export const STAGE_SECTIONS: Record<StageName, readonly (keyof ResolvedConfig)[]> = {
  data: ['data'],
  tokenizer: ['tokenizer'],
  encode: ['encode'],
  train: ['model', 'train'],
  finetune: ['finetune'],
  align: ['align'],
  eval: ['eval'],
  compress: ['compress'],
  export: ['export'],
};

/** JSON with sorted keys, functions and undefined left out: the same config always gives the same text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return undefined;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, (v as Record<string, unknown>)[k]]),
      );
    }
    return v;
  });
}

export function stageConfigHash(config: ResolvedConfig, stage: StageName): string {
  const section = Object.fromEntries(STAGE_SECTIONS[stage].map((key) => [key, config[key]]));
  const plugins = config.plugins.map((p) => `${p.name}@${p.version ?? ''}`);
  return createHash('sha256').update(stableJson({ section, plugins })).digest('hex').slice(0, 16);
}

/** The resolved config as JSON: what config.json holds. */
export function serializableConfig(config: ResolvedConfig): Record<string, unknown> {
  const { plugins, ...rest } = config;
  return {
    format: 'kiln-config',
    version: 1,
    writer: WRITER,
    ...(JSON.parse(stableJson(rest)) as Record<string, unknown>),
    plugins: plugins.map((p) => ({ name: p.name, ...(p.version !== undefined && { version: p.version }) })),
  };
}

export interface StageRecord {
  finishedAt: string;
  seconds: number;
  configHash: string;
  metrics?: Record<string, number>;
  outputs?: string[];
  modelDir?: string;
  /** What the stage ran from: config sections, plugins and the outputs of earlier stages (stage-cache.ts). */
  fingerprint?: string;
  /** Content hash of the outputs (and model directory) it left. */
  outputsHash?: string;
  /** Size, mtime and hash of each output file, so unchanged files are not read again. */
  files?: Record<string, FileStamp>;
  /** Files outside the run directory it read (the data stage's source files), by size and mtime. */
  sources?: Record<string, SourceStamp>;
}

/** A stage that started and has not finished (killed or interrupted): its fingerprint says whether it can resume. */
export interface RunningStage {
  stage: StageName;
  fingerprint: string;
  startedAt: string;
}

export interface RunState {
  format: 'kiln-run-state';
  version: 1;
  writer: string;
  stages: Partial<Record<StageName, StageRecord>>;
  /** The latest model directory, relative to the run directory. */
  modelDir?: string;
  /** The stage in progress, or the one that was interrupted. */
  running?: RunningStage;
}

export async function readRunState(runDir: RunDir): Promise<RunState> {
  const state = await runDir.readJson<RunState>('state.json');
  return state ?? { format: 'kiln-run-state', version: 1, writer: WRITER, stages: {} };
}

export async function recordStage(
  runDir: RunDir,
  config: ResolvedConfig,
  stage: StageName,
  result: StageResult,
  seconds: number,
  cache?: Pick<StageRecord, 'fingerprint' | 'outputsHash' | 'files' | 'sources'>,
): Promise<void> {
  const state = await readRunState(runDir);
  if (state.running?.stage === stage) delete state.running;
  state.stages[stage] = {
    finishedAt: new Date().toISOString(),
    seconds: Math.round(seconds * 1000) / 1000,
    configHash: stageConfigHash(config, stage),
    ...(result.metrics && { metrics: result.metrics }),
    ...(result.outputs && { outputs: result.outputs }),
    ...(result.modelDir !== undefined && { modelDir: result.modelDir }),
    ...cache,
  };
  if (result.modelDir !== undefined) state.modelDir = result.modelDir;
  state.writer = WRITER;
  await runDir.writeJson('state.json', state);
}

/** Notes that a stage started (or was interrupted, when it is not finished later) with this fingerprint. */
export async function markRunning(runDir: RunDir, stage: StageName, fingerprint: string): Promise<void> {
  const state = await readRunState(runDir);
  state.running = { stage, fingerprint, startedAt: new Date().toISOString() };
  // A stage that starts again is not finished any more: its old record must not be trusted if it stops halfway.
  delete state.stages[stage];
  state.writer = WRITER;
  await runDir.writeJson('state.json', state);
}
