/**
 * Which checkpoints a training stage may resume from: its own. Each trainer-state.json carries the
 * fingerprint of the stage run that wrote it (ctx.fingerprint: the stage's config, plugins and inputs).
 * When `kiln run` resumes an interrupted stage, a checkpoint with another fingerprint belongs to an
 * earlier run with other settings, and is not resumed; a run that starts from step 0 removes the
 * checkpoints it does not own, so `latest` never names another run's. A `resume: true` the user sets
 * in the config resumes whatever `latest` names, with a warning for each changed option.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { KilnContext, Logger } from '@kiln/core';
import { latestCheckpoint, readTrainerState, type TrainerState } from './checkpoint.js';

/** Who may resume a checkpoint: the stage run's fingerprint, and whether the config itself asks to resume. */
export interface CheckpointOwner {
  /** ctx.fingerprint; undefined outside a Kiln stage (any checkpoint is then taken as this run's). */
  fingerprint?: string;
  /** `<section>.resume: true` in the config (or --set): resume even a checkpoint of other settings. */
  resumeAsked: boolean;
}

/** The owner of a stage's checkpoints: `section` is the stage's config section (default: the stage being run). */
export function checkpointOwner(
  ctx: Pick<KilnContext, 'config' | 'fingerprint' | 'stage'>,
  section: string | undefined = ctx.stage,
): CheckpointOwner {
  const value = section === undefined ? undefined : (ctx.config as unknown as Record<string, unknown>)[section];
  const asked = (value as { resume?: unknown } | undefined)?.resume === true;
  return { ...(ctx.fingerprint !== undefined && { fingerprint: ctx.fingerprint }), resumeAsked: asked };
}

const LEFTOVER = /^\.step-\d+\..*\.tmp$/;

/** Temporary folders of checkpoint writes that were cut short (saveCheckpoint renames them when complete). */
export async function removeLeftovers(root: string): Promise<void> {
  if (!existsSync(root)) return;
  for (const name of await readdir(root))
    if (LEFTOVER.test(name)) await rm(join(root, name), { recursive: true, force: true });
}

/**
 * The checkpoint to resume from when `resume` is set: `latest`, if this stage run owns it (or the
 * config asks to resume). Undefined, with the reason logged, when there is none to resume.
 */
export async function ownedResumePoint(
  root: string,
  resume: boolean,
  owner: CheckpointOwner,
  logger: Logger,
  where: string,
): Promise<{ dir: string; state: TrainerState } | undefined> {
  await removeLeftovers(root);
  if (!resume) return undefined;
  const dir = await latestCheckpoint(root);
  if (!dir) {
    logger.info(`${where}: resume is set but there is no checkpoint yet, starting from the beginning`, { dir: root });
    return undefined;
  }
  const state = await readTrainerState(dir);
  if (owner.fingerprint === undefined || state.fingerprint === owner.fingerprint) return { dir, state };
  if (owner.resumeAsked) {
    logger.warn(`${where}: resuming ${dir}, written by a run with other settings (the config sets resume)`, {
      checkpoint: state.fingerprint ?? 'none',
      now: owner.fingerprint,
    });
    return { dir, state };
  }
  logger.warn(
    `${where}: ${dir} was written by another run of this stage (other config, plugins or inputs): starting from step 0`,
    { checkpoint: state.fingerprint ?? 'none', now: owner.fingerprint },
  );
  return undefined;
}

/**
 * A run that starts from step 0 removes the checkpoints in `root` another run wrote (and `latest`
 * when it names one), so that only its own are there to resume. `keep` (the directory it loaded its
 * weights from, e.g. initFrom) stays.
 */
export async function removeForeignCheckpoints(
  root: string,
  owner: CheckpointOwner,
  logger: Logger,
  keep: readonly string[] = [],
): Promise<string[]> {
  if (owner.fingerprint === undefined || !existsSync(root)) return [];
  const kept = new Set(keep.map((dir) => resolve(dir)));
  const removed: string[] = [];
  for (const name of await readdir(root)) {
    const dir = join(root, name);
    if (!/^step-\d+$/.test(name) || kept.has(resolve(dir))) continue;
    const fingerprint = await readFile(join(dir, 'trainer-state.json'), 'utf8').then(
      (text) => (JSON.parse(text) as Partial<TrainerState>).fingerprint,
      () => undefined,
    );
    if (fingerprint === owner.fingerprint) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(name);
  }
  const pointer = join(root, 'latest');
  if (existsSync(pointer)) {
    const named = (await readFile(pointer, 'utf8')).trim();
    if (removed.includes(named) || !existsSync(join(root, named))) await rm(pointer, { force: true });
  }
  if (removed.length > 0)
    logger.info('removed the checkpoints of another run of this stage (other config, plugins or inputs)', {
      dir: root,
      removed,
    });
  return removed;
}
