/**
 * What stage implementations may ask of the other hook points (a trainer
 * asking for the architecture, an RL trainer scoring completions), without
 * touching tapable. Missing providers become errors that say what to add.
 */
import { existsSync } from 'node:fs';
import { KilnError } from './errors.js';
import { type KilnHooks, type TapMeta, tappedItems } from './hooks.js';
import { defaultModelDir } from './model-source.js';
import { verifyRecordedFiles } from './recorded-files.js';
import { readRunState } from './run-state.js';
import { missingProvider } from './stages/missing-provider.js';
import type { ArchitectureProvider, KilnContext, KilnHooksFacade, KilnPlugin, StageName } from './types.js';

/** Names of the items tapped into a hook, for "loaded plugins offer: ..." */
function offered(hook: { taps: ReadonlyArray<unknown> }): string[] {
  return [...new Set(tappedItems<{ name?: string }>(hook).map((item) => item?.name ?? '?'))];
}

/** The plugin that tapped `item` into `hook`. */
/** A path that no loader took and that does not exist: say so, not that a plugin is missing. */
const noSuchDirectory = (what: 'model' | 'tokenizer', dir: string) =>
  new KilnError(
    `no ${what} at ${dir}: the directory does not exist (a relative path is read from the config's folder)`,
    {
      exitCode: 2,
    },
  );

export function ownerOf(hook: { taps: ReadonlyArray<unknown> }, item: unknown): KilnPlugin {
  const tap = (hook.taps as ReadonlyArray<TapMeta>).find((t) => t.item === item);
  if (!tap) throw new KilnError('internal: provider not tapped into its hook');
  return tap.plugin;
}

export function createHooksFacade(hooks: KilnHooks, context: () => KilnContext): KilnHooksFacade {
  const ctx = context;
  return {
    tokenizer(type) {
      const provider = hooks.tokenizer.call(type);
      if (provider) return provider;
      throw missingProvider(ctx().config, 'tokenizer', {
        requested: type,
        field: 'tokenizer.type',
        available: offered(hooks.tokenizer),
      });
    },
    architecture(name) {
      const provider = hooks.architecture.call(name);
      if (provider) return provider;
      throw missingProvider(ctx().config, 'architecture', {
        requested: name,
        field: 'model.architecture',
        available: offered(hooks.architecture),
      });
    },
    trainer(name, stage: StageName) {
      const provider = hooks.trainer.call(name, stage);
      if (provider) return provider;
      const available = tappedItems<{ name: string; stage: string }>(hooks.trainer).map(
        (t) => `${t.name} (${t.stage})`,
      );
      throw missingProvider(ctx().config, 'trainer', { stage, requested: name, field: `${stage}.trainer`, available });
    },
    chatTemplate: (name) => hooks.chatTemplate.call(name),
    rewards: () => tappedItems(hooks.reward),
    reward: (input) => hooks.reward.promise({ total: 0, parts: {} }, input, ctx()),
    evaluators: () => tappedItems(hooks.evaluator),
    async emitStep(info) {
      ctx().metrics.write({ event: 'step', ...info });
      await hooks.step.promise(info, ctx());
    },
    async emitEval(info) {
      ctx().metrics.write({ event: 'eval', stage: info.stage, step: info.step, ...info.metrics });
      await hooks.eval.promise(info, ctx());
    },
    async emitCheckpoint(info) {
      ctx().metrics.write({ event: 'checkpoint', ...info });
      await hooks.checkpoint.promise(info, ctx());
    },
    async loadTokenizer(dir) {
      const c = ctx();
      const from = dir ?? c.runDir.path('tokenizer');
      // A tokenizer a stage of this run wrote is what it wrote (flipped bytes fail here, naming the file).
      await verifyRecordedFiles(c.runDir.root, await readRunState(c.runDir), { under: from, rehash: true });
      const tokenizer = await hooks.tokenizerLoad.promise(from, c);
      if (tokenizer) return tokenizer;
      if (!existsSync(from)) throw noSuchDirectory('tokenizer', from);
      throw missingProvider(c.config, 'tokenizer', { loads: from, available: offered(hooks.tokenizer) });
    },
    engine(model, who) {
      for (const provider of tappedItems<ArchitectureProvider>(hooks.architecture)) {
        const engine = provider.engine(model);
        if (engine) return engine;
      }
      const kind = typeof model === 'object' && model !== null ? model.constructor.name : typeof model;
      throw new KilnError(
        `[${who}] no architecture recognises the model (${kind}); loaded architectures: ${offered(hooks.architecture).join(', ') || 'none'}`,
        {
          plugin: who,
        },
      );
    },
    async loadModel(dir) {
      const c = ctx();
      const state = await readRunState(c.runDir);
      const relative = dir === undefined ? defaultModelDir(state, c.stage) : undefined;
      const from = dir ?? (relative === undefined ? undefined : c.runDir.path(relative));
      if (from === undefined) {
        throw new KilnError(
          `no trained model in ${c.runDir.root} yet${c.stage ? ` for stage ${c.stage}` : ''}: run a training stage first (kiln train), or name a model directory`,
          {
            exitCode: 2,
          },
        );
      }
      // A model a stage of this run wrote is what it wrote: every file hashed again against state.json.
      await verifyRecordedFiles(c.runDir.root, state, { under: from, rehash: true });
      const loaded = await hooks.modelLoad.promise(from, await c.backend(), c);
      if (loaded) return loaded;
      if (!existsSync(from)) throw noSuchDirectory('model', from);
      throw missingProvider(c.config, 'architecture', { loads: from, available: offered(hooks.architecture) });
    },
  };
}
