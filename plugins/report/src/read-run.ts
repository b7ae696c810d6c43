/**
 * Reads what a run directory holds for the report. Every file is optional (a run
 * may have stopped after any stage); a file that exists but is not valid JSON is
 * an error naming it. metrics.jsonl is read line by line and a torn last line
 * (a crash mid-write) is skipped and counted.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withoutReplayedSteps } from './replayed-steps.js';

export type MetricRecord = Record<string, unknown> & { stage?: string; step?: number; event?: string };

export interface RunArtifacts {
  root: string;
  metrics: MetricRecord[];
  /** metrics.jsonl lines that were not JSON objects. */
  badMetricLines: number;
  /** Step records an interrupted run logged and its resumed run logged again (left out of `metrics`). */
  replayedRecords: number;
  config?: Record<string, unknown>;
  state?: {
    stages?: Record<
      string,
      { seconds?: number; finishedAt?: string; metrics?: Record<string, number>; outputs?: string[] }
    >;
  };
  dataReport?: DataReport;
  evalResults?: Record<string, unknown>;
  samples?: Sample[];
  /** compress/report.json entries, one per compressor run (written by @kiln/compress). */
  compression?: CompressionEntry[];
}

/** One compressor's effect on the model: size, and perplexity on held-out text when measured. */
export interface CompressionEntry {
  compressor: string;
  settings?: Record<string, unknown>;
  bytesBefore: number;
  bytesAfter: number;
  ratio?: number;
  pplBefore?: number;
  pplAfter?: number;
  /** pplAfter / pplBefore - 1. */
  pplChange?: number;
  [key: string]: unknown;
}

export interface DataRule {
  plugin?: string;
  stage?: number;
  docsIn?: number;
  charsIn?: number;
  docsOut?: number;
  charsOut?: number;
  dropped?: number;
  reasons?: Record<string, number>;
  examples?: Array<{ id?: string; detail?: string; duplicateOf?: string; excerpt?: string }>;
}

export interface DataReport {
  docsIn?: number;
  charsIn?: number;
  docsOut?: number;
  charsOut?: number;
  dropped?: number;
  rules?: Record<string, DataRule>;
}

export interface Sample {
  prompt: string;
  completion: string;
  stage?: string;
  step?: number;
  [key: string]: unknown;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`kiln report: cannot read ${path}: ${(err as Error).message}`);
  }
}

async function readJson<T>(root: string, rel: string): Promise<T | undefined> {
  const path = join(root, rel);
  const text = await readText(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`kiln report: ${path} is not valid JSON (${(err as Error).message})`);
  }
}

function parseSamples(raw: unknown, path: string): Sample[] {
  const list = Array.isArray(raw) ? raw : (raw as { samples?: unknown })?.samples;
  if (!Array.isArray(list)) throw new Error(`kiln report: ${path} must be an array of samples or { samples: [...] }`);
  return list.map((s, i) => {
    if (typeof s?.prompt !== 'string' || typeof s?.completion !== 'string')
      throw new Error(`kiln report: ${path}: samples[${i}] needs string fields "prompt" and "completion"`);
    return s as Sample;
  });
}

function parseCompression(raw: unknown, path: string): CompressionEntry[] {
  const entries = (raw as { entries?: unknown })?.entries;
  if (!Array.isArray(entries))
    throw new Error(`kiln report: ${path} must be { entries: [...] } (as @kiln/compress writes it)`);
  return entries.map((e, i) => {
    if (typeof e?.compressor !== 'string' || typeof e?.bytesBefore !== 'number' || typeof e?.bytesAfter !== 'number')
      throw new Error(
        `kiln report: ${path}: entries[${i}] needs a string "compressor" and numbers "bytesBefore", "bytesAfter"`,
      );
    return e as CompressionEntry;
  });
}

export async function readRun(root: string): Promise<RunArtifacts> {
  const metricsText = (await readText(join(root, 'metrics.jsonl'))) ?? '';
  const metrics: MetricRecord[] = [];
  let badMetricLines = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.trim()) continue;
    try {
      const record = JSON.parse(line);
      if (record && typeof record === 'object' && !Array.isArray(record)) metrics.push(record);
      else badMetricLines++;
    } catch {
      badMetricLines++;
    }
  }
  const { kept, replayed } = withoutReplayedSteps(metrics);
  const samplesRaw = await readJson<unknown>(root, 'eval/samples.json');
  const compressionRaw = await readJson<unknown>(root, 'compress/report.json');
  return {
    root,
    metrics: kept,
    badMetricLines,
    replayedRecords: replayed,
    config: await readJson(root, 'config.json'),
    state: await readJson(root, 'state.json'),
    dataReport: await readJson(root, 'data/report.json'),
    evalResults: await readJson(root, 'eval/results.json'),
    samples: samplesRaw === undefined ? undefined : parseSamples(samplesRaw, join(root, 'eval/samples.json')),
    compression:
      compressionRaw === undefined ? undefined : parseCompression(compressionRaw, join(root, 'compress/report.json')),
  };
}
