/**
 * Task accuracy: greedy answers to verifiable prompts, exact match against the
 * expected answer, reported with a 95% Wilson interval, over fresh seeded
 * instances of task families or over a JSONL of prompt/answer pairs.
 * With `chat`, each prompt is a user turn rendered by the chat template the
 * evaluated model was fine-tuned with (its tokenizer_config.json).
 */
import { isAbsolute, resolve } from 'node:path';
import type { KilnContext, KilnPlugin, Tokenizer } from '@kiln/core';
import { createModelGenerator, toEngine } from '@kiln/generate';
import { type ChatTemplate, chatTemplateFromModelDir } from '@kiln/sampling';
import { freshInstances, promptsIn, readTaskItems, type TaskItem, type TaskSource } from './task-items.js';
import { wilsonInterval } from './wilson.js';

const WHO = 'kiln:eval-task-accuracy';

export interface TaskAccuracyOptions {
  /** Prefix of the metric names (default 'tasks'). */
  name?: string;
  /** Task families to draw fresh instances from (e.g. @kiln/tasks' addition()), or `file`. */
  tasks?: TaskSource[];
  /** How many fresh instances (default 200). */
  count?: number;
  /** Seed of the instances (default: the config's seed). */
  seed?: number;
  /** JSONL files (relative to the config) whose prompts a fresh instance must not repeat: the training data. */
  exclude?: string[];
  /** JSONL of {prompt, answer} or {prompt, meta: {answer}} (relative to the config), instead of `tasks`. */
  file?: string;
  /** Render each prompt as a user turn with the evaluated model's chat template (default false: the raw prompt). */
  chat?: boolean;
  /** Most tokens per answer (default 32). */
  maxTokens?: number;
  /** The answer ends at any of these (default: a newline; with `chat`, the template's end of turn). */
  stop?: string[];
  caseSensitive?: boolean;
  /** How many (prompt, answer, reply) examples to log (default 3). */
  show?: number;
}

/** The model directory the eval stage evaluates: `eval.model` (a directory or a stage name), else the run's latest. */
async function evaluatedModelDir(ctx: KilnContext): Promise<string | undefined> {
  const named = ctx.config.eval?.model;
  const state = await ctx.runDir.readJson<{ modelDir?: string; stages?: Record<string, { modelDir?: string }> }>(
    'state.json',
  );
  if (typeof named === 'string') {
    const ofStage = state?.stages?.[named]?.modelDir;
    if (ofStage !== undefined) return ctx.runDir.path(ofStage);
    return isAbsolute(named) ? named : resolve(ctx.config.root, named);
  }
  return state?.modelDir === undefined ? undefined : ctx.runDir.path(state.modelDir);
}

async function chatTemplateOf(ctx: KilnContext): Promise<ChatTemplate> {
  const dir = await evaluatedModelDir(ctx);
  const template = dir === undefined ? undefined : await chatTemplateFromModelDir(dir);
  if (!template)
    throw new Error(
      `${WHO}: chat is set but the evaluated model (${dir ?? 'none'}) has no chat template (tokenizer_config.json chat_template)`,
    );
  return template;
}

/**
 * Greedy replies to `items`, each checked against its answer: what taskAccuracy counts, item by
 * item, so two models can be compared on the same items (a paired difference). `template`
 * renders each prompt as a user turn (and adds its end of turn to the stops); without it the raw
 * prompt is asked and a newline ends the reply. The tokenizer is the run's.
 */
export async function answerTaskItems(
  model: unknown,
  items: readonly TaskItem[],
  o: Pick<TaskAccuracyOptions, 'maxTokens' | 'stop' | 'caseSensitive'> & { template?: ChatTemplate },
  ctx: KilnContext,
): Promise<{ correct: boolean[]; replies: string[] }> {
  const tokenizer: Tokenizer = await ctx.hooks.loadTokenizer();
  // Special tokens a template writes must be their single ids, as in training.
  const special = {
    eosId: tokenizer.eosId,
    decode: (ids: ArrayLike<number>) => tokenizer.decode(ids),
    encode: (t: string) => tokenizer.encode(t, { allowSpecial: true }),
  };
  const generator = createModelGenerator(toEngine(model, ctx.hooks, WHO), special);
  const stop = o.stop ?? (o.template ? [...o.template.stop] : ['\n']);
  const norm = (s: string) => (o.caseSensitive ? s.trim() : s.trim().toLowerCase());
  const correct: boolean[] = [];
  const replies: string[] = [];
  for (const item of items) {
    const prompt = o.template ? o.template.render([{ role: 'user', content: item.prompt }]) : item.prompt;
    let reply = '';
    for await (const chunk of generator.generate(prompt, { temperature: 0, maxTokens: o.maxTokens ?? 32, stop }))
      reply += chunk.text;
    replies.push(reply);
    correct.push(norm(reply) === norm(item.answer));
  }
  return { correct, replies };
}

/** `<name>/accuracy`, `<name>/ci_low`, `<name>/ci_high` (95% Wilson), `<name>/correct`, `<name>/n`. */
export function taskAccuracy(options: TaskAccuracyOptions): KilnPlugin {
  const name = options.name ?? 'tasks';
  if ((options.tasks === undefined) === (options.file === undefined))
    throw new Error(`${WHO}: give exactly one of "tasks" (fresh instances) or "file" (prompt/answer pairs)`);
  if (options.count !== undefined && !(Number.isInteger(options.count) && options.count > 0))
    throw new Error(`${WHO}: "count" must be a positive integer, got ${options.count}`);
  return {
    name: WHO,
    version: '0.1.0',
    cacheKey: { ...options, tasks: options.tasks?.map((t) => t.name) },
    evaluator: {
      name,
      async evaluate(model, ctx) {
        const abs = (p: string) => (isAbsolute(p) ? p : resolve(ctx.config.root, p));
        const items: TaskItem[] = options.file
          ? await readTaskItems(abs(options.file))
          : freshInstances(
              options.tasks!,
              options.count ?? 200,
              options.seed ?? ctx.config.seed,
              await promptsIn((options.exclude ?? []).map(abs)),
              WHO,
            );
        const template = options.chat ? await chatTemplateOf(ctx) : undefined;
        const { correct: right, replies } = await answerTaskItems(model, items, { ...options, template }, ctx);
        const correct = right.filter(Boolean).length;
        const shown = items
          .slice(0, options.show ?? 3)
          .map((item, i) => ({ prompt: item.prompt, answer: item.answer, reply: replies[i] }));
        const n = items.length;
        const { low, high } = wilsonInterval(correct, n);
        const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
        ctx.logger.info(`${name}: accuracy ${pct(correct / n)} (95% CI ${pct(low)}–${pct(high)}; ${correct}/${n})`, {
          examples: shown,
        });
        return {
          [`${name}/accuracy`]: correct / n,
          [`${name}/ci_low`]: low,
          [`${name}/ci_high`]: high,
          [`${name}/correct`]: correct,
          [`${name}/n`]: n,
        };
      },
    },
  };
}
