import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AdamW, type AdamWState, readSafetensors, writeFileAtomic, writeSafetensors } from '@kiln/tensor';

export const WRITER = 'kiln:trainer@0.1.0';
export const STATE_FORMAT = 'kiln-trainer-state';
export const STATE_VERSION = 1;

/** What a checkpoint saves the weights with: the model, or (LoRA) only its adapters. */
export interface SavesFiles {
  save(dir: string): Promise<string[]>;
}

/** trainer-state.json: everything beyond the weights that an exact resume needs. */
export interface TrainerState {
  format: typeof STATE_FORMAT;
  version: number;
  writer: string;
  /** The architecture that loads model.safetensors + config.json. */
  architecture: string;
  /** Optimizer steps completed. */
  step: number;
  /** Training tokens consumed so far. */
  tokens: number;
  /** ctx.rng's state at the checkpoint. */
  rng: number[];
  /** The training TokenBatches' state() (its data position). */
  data: unknown;
  /** The options of the run that wrote it, for a mismatch warning on resume. */
  options: Record<string, unknown>;
  /** The ranks of the mpirun launch that wrote it (absent: one process); a resume needs as many. */
  ranks?: number;
  /** The fingerprint of the stage run that wrote it (ctx.fingerprint): only that run resumes it (checkpoint-owner.ts). */
  fingerprint?: string;
}

export const stepDirName = (step: number): string => `step-${String(step).padStart(6, '0')}`;

/**
 * Write `<root>/step-XXXXXX/` with model files, optimizer.safetensors (AdamW
 * moments) and trainer-state.json: first into a temporary sibling directory,
 * renamed into place when complete, then `latest` is rewritten atomically to
 * name it. A crash leaves either the old checkpoint or the new, never half.
 * `extra` writes more files into the checkpoint (chat files, a stage's own state) before the rename.
 */
export async function saveCheckpoint(
  root: string,
  model: SavesFiles,
  opt: Pick<AdamW, 'state'>,
  state: TrainerState,
  extra?: (dir: string) => Promise<unknown>,
): Promise<string> {
  const name = stepDirName(state.step);
  const final = join(root, name);
  const tmp = join(root, `.${name}.${process.pid}.tmp`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await model.save(tmp);
  const optState = await opt.state();
  await writeSafetensors(join(tmp, 'optimizer.safetensors'), AdamW.toTensors(optState), {
    format: 'kiln-adamw',
    writer: WRITER,
    step: String(optState.step),
  });
  await writeFileAtomic(join(tmp, 'trainer-state.json'), JSON.stringify(state, null, 1) + '\n');
  await extra?.(tmp);
  await rm(final, { recursive: true, force: true }); // the same step saved again (abort right after a save)
  await rename(tmp, final);
  await writeFileAtomic(join(root, 'latest'), name + '\n');
  return final;
}

/** The directory `latest` names, or undefined when there is no checkpoint yet. */
export async function latestCheckpoint(root: string): Promise<string | undefined> {
  const pointer = join(root, 'latest');
  if (!existsSync(pointer)) return undefined;
  const name = (await readFile(pointer, 'utf8')).trim();
  const dir = join(root, name);
  if (!/^step-\d+$/.test(name) || !existsSync(dir))
    throw new Error(`${pointer}: names '${name}', which is not a checkpoint directory in ${root}`);
  return dir;
}

export async function readTrainerState(dir: string): Promise<TrainerState> {
  const path = join(dir, 'trainer-state.json');
  let s: TrainerState;
  try {
    s = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read the trainer state (${(e as Error).message})`);
  }
  if (s.format !== STATE_FORMAT)
    throw new Error(`${path}: format is ${JSON.stringify(s.format)}, expected "${STATE_FORMAT}"`);
  if (s.version !== STATE_VERSION)
    throw new Error(`${path}: version ${s.version}; this trainer (${WRITER}) reads version ${STATE_VERSION}`);
  return s;
}

/** The AdamW moments and step saveCheckpoint wrote, with the file they came from. */
export async function readOptimizer(dir: string, step: number): Promise<{ state: AdamWState; path: string }> {
  const path = join(dir, 'optimizer.safetensors');
  const file = await readSafetensors(path);
  const saved = Number(file.metadata.step ?? step);
  return { state: AdamW.fromTensors(saved, file.tensors), path };
}

/** Restore the AdamW moments and step written by saveCheckpoint. */
export async function loadOptimizer(dir: string, opt: Pick<AdamW, 'loadState'>, step: number): Promise<void> {
  const { state, path } = await readOptimizer(dir, step);
  opt.loadState(state, path);
}
