/**
 * Skipping up-to-date stages. A finished stage records, in state.json:
 * - its fingerprint: the hash of its config sections and (from train on) the seed, of the
 *   plugins that take part in it, and of the outputs of every earlier stage (its inputs);
 * - the content hash of its own outputs (files and folders), with each file's
 *   size and mtime so an unchanged file is not read again (as git's index does).
 * A stage is up to date when its fingerprint is unchanged and its outputs are
 * still on disk with the same content. Because each stage's inputs are the
 * outputs of the stages before it, a stage that reruns and produces the same
 * bytes (a deterministic cleaner, BPE training) does not invalidate the rest.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { type RunState, STAGE_SECTIONS, type StageRecord, stableJson } from './run-state.js';
import { type KilnPlugin, type ResolvedConfig, STAGES, type StageName } from './types.js';

/** The hooks through which a plugin takes part in a stage. */
const STAGE_HOOKS: Record<StageName, readonly (keyof KilnPlugin)[]> = {
  data: ['source', 'cleaner'],
  tokenizer: ['tokenizer'],
  encode: ['encoder', 'tokenizer'],
  train: ['trainer', 'architecture'],
  finetune: ['trainer', 'architecture', 'chatTemplate'],
  align: ['trainer', 'architecture', 'reward', 'chatTemplate'],
  eval: ['evaluator', 'architecture', 'tokenizer'],
  compress: ['compressor', 'architecture'],
  export: ['exporter', 'architecture', 'tokenizer'],
};

/** Size, mtime and content hash of one output file. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  sha256: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function filesUnder(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      // Temporary files of an atomic write in progress are not outputs.
      .filter((e) => !/\.tmp-\d+-[0-9a-f]+$/.test(e.name))
      .map((e) => filesUnder(join(path, e.name))),
  );
  return nested.flat();
}

/**
 * Stamps every file of `outputs` (paths relative to the run directory), reusing a
 * previous stamp when size and mtime are unchanged. Undefined when an output is missing.
 */
export async function stampOutputs(
  runRoot: string,
  outputs: readonly string[],
  previous: Record<string, FileStamp> = {},
): Promise<Record<string, FileStamp> | undefined> {
  const stamps: Record<string, FileStamp> = {};
  for (const output of outputs) {
    const abs = resolve(runRoot, output);
    if (!existsSync(abs)) return undefined;
    for (const file of await filesUnder(abs)) {
      const rel = relative(runRoot, file);
      const info = await stat(file);
      const old = previous[rel];
      const same = old && old.size === info.size && old.mtimeMs === info.mtimeMs;
      stamps[rel] = { size: info.size, mtimeMs: info.mtimeMs, sha256: same ? old.sha256 : await hashFile(file) };
    }
  }
  return stamps;
}

/** One hash for a set of stamped files: their names and contents. */
export function outputsHash(stamps: Record<string, FileStamp>): string {
  return sha256(stableJson(Object.fromEntries(Object.entries(stamps).map(([file, s]) => [file, s.sha256]))));
}

/**
 * What identifies a plugin's part in a stage: name, version and its `cacheKey`.
 * A plugin without a cacheKey may hold options in a closure Kiln cannot see, so
 * the text of the config file stands in for them (editing the file reruns the stage).
 */
function pluginKeys(config: ResolvedConfig, stage: StageName, configText: string | undefined): string[] {
  return config.plugins
    .filter((p) => STAGE_HOOKS[stage].some((hook) => p[hook] !== undefined))
    .map((p) => {
      const key =
        p.cacheKey !== undefined
          ? stableJson(p.cacheKey)
          : configText === undefined
            ? ''
            : `config:${sha256(configText)}`;
      return `${p.name}@${p.version ?? ''}:${key}`;
    });
}

/**
 * A plugin's options as its `cacheKey`: JSON, with regular expressions and functions (which
 * JSON would empty or drop) kept as their source, so changing one reruns the stage.
 */
export function optionsCacheKey(options: unknown): unknown {
  return JSON.parse(
    JSON.stringify(options ?? {}, (_key, v: unknown) =>
      v instanceof RegExp ? `regexp:${String(v)}` : typeof v === 'function' ? `function:${String(v)}` : v,
    ),
  );
}

/** The outputs hash of every recorded stage before `stage`, in pipeline order: the stage's inputs. */
export function upstreamOutputs(state: RunState, stage: StageName): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const earlier of STAGES.slice(0, STAGES.indexOf(stage))) {
    const hash = state.stages[earlier]?.outputsHash;
    if (hash !== undefined) inputs[earlier] = hash;
  }
  return inputs;
}

export async function readConfigText(config: ResolvedConfig): Promise<string | undefined> {
  return config.configFile === undefined ? undefined : readFile(config.configFile, 'utf8').catch(() => undefined);
}

/** A training section's checkpoint knobs (@kiln/trainer's, which finetune and align share). */
const CHECKPOINTING = ['resume', 'checkpointEvery', 'checkpointMinutes'];

/** Options of a config section that say where a stage's work runs, not what it makes. */
export type Placement = Partial<Record<keyof ResolvedConfig, readonly string[]>>;

/**
 * Options that say where a stage's work runs, not what it makes: changing them reruns nothing.
 * The data stage's come from its runner (dataPlacement: the same bytes on any number of threads,
 * shards or queue workers).
 */
const PLACEMENT: Partial<Record<StageName, Placement>> = {
  // When a training stage checkpoints, and whether it resumes, change where it can stop, not what it makes:
  // a resume is exact. An interrupted run keeps its fingerprint when they change, so it still resumes.
  train: { train: CHECKPOINTING },
  finetune: { finetune: CHECKPOINTING },
  align: { align: CHECKPOINTING },
};

function outputSections(config: ResolvedConfig, stage: StageName, more: Placement): Record<string, unknown> {
  return Object.fromEntries(
    STAGE_SECTIONS[stage].map((key) => {
      const placement = [...(PLACEMENT[stage]?.[key] ?? []), ...(more[key] ?? [])];
      const value = config[key];
      if (placement.length === 0 || typeof value !== 'object' || value === null) return [key, value];
      return [key, Object.fromEntries(Object.entries(value).filter(([option]) => !placement.includes(option)))];
    }),
  );
}

/**
 * Stages whose output does not depend on the training seed: data, tokenizer and encode (its
 * validation split has a splitSeed of its own), so a seed sweep reuses the prepared data and
 * reruns from train on. A plugin that samples in these stages takes a seed option of its own.
 */
export const UNSEEDED_STAGES: readonly StageName[] = ['data', 'tokenizer', 'encode'];

/** The fingerprint a stage would run with now. */
export function stageFingerprint(
  config: ResolvedConfig,
  stage: StageName,
  state: RunState,
  configText: string | undefined,
  placement: Placement = {},
): string {
  return sha256(
    stableJson({
      // Only the plugins that take part in the stage count: adding a logger or the report reruns nothing.
      sections: outputSections(config, stage, placement),
      seed: UNSEEDED_STAGES.includes(stage) ? undefined : config.seed,
      plugins: pluginKeys(config, stage, configText),
      inputs: upstreamOutputs(state, stage),
    }),
  ).slice(0, 16);
}

/** The outputs a record stands for: its files and its model directory. */
export function recordedOutputs(record: Pick<StageRecord, 'outputs' | 'modelDir'>): string[] {
  const outputs = [...(record.outputs ?? [])];
  if (record.modelDir !== undefined && !outputs.includes(record.modelDir)) outputs.push(record.modelDir);
  return outputs;
}

/** Size and mtime of a file outside the run directory that a stage read (a source's text files). */
export interface SourceStamp {
  size: number;
  mtimeMs: number;
}

interface ManifestFiles {
  sources?: Record<string, { files?: Record<string, unknown> }>;
}

/**
 * The files on disk the data stage read, from its manifest (names relative to the
 * config's folder; names that are not files here, e.g. inside a tarball, are left out).
 * Stamped by size and mtime, not content: corpora can be large and are read again only when they change.
 */
export async function sourceStamps(
  runRoot: string,
  configRoot: string,
  stage: StageName,
): Promise<Record<string, SourceStamp> | undefined> {
  if (stage !== 'data') return undefined;
  const manifest = await readFile(join(runRoot, 'data/manifest.json'), 'utf8').then(
    (t) => JSON.parse(t) as ManifestFiles,
    () => undefined,
  );
  const stamps: Record<string, SourceStamp> = {};
  for (const source of Object.values(manifest?.sources ?? {})) {
    for (const name of Object.keys(source.files ?? {})) {
      const info = await stat(resolve(configRoot, name)).catch(() => undefined);
      if (info?.isFile()) stamps[name] = { size: info.size, mtimeMs: info.mtimeMs };
    }
  }
  return stamps;
}

/** Why a stage must run, or undefined when its recorded result is still valid. */
export async function staleReason(
  runRoot: string,
  state: RunState,
  stage: StageName,
  fingerprint: string,
  configRoot?: string,
): Promise<string | undefined> {
  const record = state.stages[stage];
  if (!record) return 'never finished';
  if (record.fingerprint === undefined || record.outputsHash === undefined) return 'recorded without a fingerprint';
  if (record.fingerprint !== fingerprint) return 'its config, plugins or inputs changed';
  for (const [name, old] of Object.entries(record.sources ?? {})) {
    const info = await stat(resolve(configRoot ?? '.', name)).catch(() => undefined);
    if (!info || info.size !== old.size || info.mtimeMs !== old.mtimeMs) return `source file ${name} changed`;
  }
  const stamps = await stampOutputs(runRoot, recordedOutputs(record), record.files);
  if (!stamps) return 'an output is missing';
  if (outputsHash(stamps) !== record.outputsHash) return 'an output changed on disk';
  return undefined;
}
