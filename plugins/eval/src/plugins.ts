/**
 * The evaluator plugins. Each is a factory returning a KilnPlugin with one
 * `evaluator`; `kiln eval` runs every configured one on the latest model and
 * writes their scores to eval/results.json (the report shows them).
 * Metric names are `<name>/<metric>`, e.g. `heldout/ppl`, `arc-mini/acc`.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { type Evaluator, type KilnContext, type KilnPlugin, optionsCacheKey, type Tokenizer } from '@kiln/core';
import { createModelGenerator, toEngine } from '@kiln/generate';
import { maskedLMLoss } from './masked-lm.js';
import { bitsPerByte, sequencePerplexity } from './perplexity.js';
import { engineLogLikelihood, scoreMultipleChoice } from './scoring.js';
import {
  type AnswerItem,
  type ChoiceItem,
  checkAnswerItem,
  checkChoiceItem,
  loadAnswerItems,
  loadChoiceItems,
} from './tasks.js';

type EvalTokenizer = Pick<Tokenizer, 'encode' | 'decode'> & {
  eosId?: number;
  specialTokens?: Readonly<Record<string, number>>;
};

interface Common {
  /** Prefix of the metric names. */
  name?: string;
  /** Tokenizer to use (default: the run's, from tokenizer/). */
  tokenizer?: EvalTokenizer;
}

const VERSION = '0.1.0';
const path = (ctx: KilnContext, file: string) => (isAbsolute(file) ? file : resolve(ctx.config.root, file));
const tokenizerOf = async (o: Common, ctx: KilnContext): Promise<EvalTokenizer> =>
  o.tokenizer ?? (await ctx.hooks.loadTokenizer());

/** An evaluator plugin whose options are its cache key (a tokenizer object given in code counts as 'given'). */
function plugin(pluginName: string, options: Common, evaluator: Evaluator): KilnPlugin {
  const cacheKey = optionsCacheKey({ ...options, tokenizer: options.tokenizer && 'given' });
  return { name: pluginName, version: VERSION, cacheKey, evaluator };
}

export interface PerplexityPluginOptions extends Common {
  /** Held-out text file (relative to the config's folder), or `text`. */
  file?: string;
  text?: string;
  contextLength?: number;
  stride?: number;
  /** Start with the end-of-text token so the first token is scored too (default true when the tokenizer has one). */
  prependEos?: boolean;
}

/** Perplexity and bits per byte on held-out text: `<name>/ppl`, `<name>/bpb`, `<name>/tokens`. */
export function perplexity(options: PerplexityPluginOptions): KilnPlugin {
  const name = options.name ?? 'heldout';
  if ((options.file === undefined) === (options.text === undefined))
    throw new Error(`kiln:eval-perplexity: give exactly one of "file" or "text"`);
  return plugin('kiln:eval-perplexity', options, {
    name,
    async evaluate(model, ctx) {
      const engine = toEngine(model, ctx.hooks, 'kiln:eval-perplexity');
      const tokenizer = await tokenizerOf(options, ctx);
      const text = options.text ?? (await readFile(path(ctx, options.file!), 'utf8'));
      const eos = (options.prependEos ?? true) ? tokenizer.eosId : undefined;
      const ids = eos === undefined ? tokenizer.encode(text) : [eos, ...tokenizer.encode(text)];
      const r = await sequencePerplexity(engine, ids, options);
      // Without a leading end-of-text token the first token is context only: its bytes are not scored.
      const scoredText = eos === undefined ? text.slice(tokenizer.decode(ids.slice(0, 1)).length) : text;
      ctx.logger.info(`${name}: perplexity ${r.ppl.toFixed(3)} over ${r.tokens} tokens`);
      return { [`${name}/ppl`]: r.ppl, [`${name}/bpb`]: bitsPerByte(r.nll, scoredText), [`${name}/tokens`]: r.tokens };
    },
  });
}

export interface MaskedLMPluginOptions extends Common {
  /** Held-out text file (relative to the config's folder), or `text`. */
  file?: string;
  text?: string;
  /** Mask token id (default: the tokenizer's '[MASK]'). */
  maskTokenId?: number;
  /** Share of tokens masked (default 0.15). */
  probability?: number;
  /** Seed of the masked positions (default: the config's seed). */
  seed?: number;
  contextLength?: number;
}

/** Masked-LM loss of an encoder (BERT) on held-out text: `<name>/loss`, `<name>/pseudo_ppl`, `<name>/masked`. */
export function maskedLM(options: MaskedLMPluginOptions): KilnPlugin {
  const name = options.name ?? 'mlm';
  const who = 'kiln:eval-masked-lm';
  if ((options.file === undefined) === (options.text === undefined))
    throw new Error(`${who}: give exactly one of "file" or "text"`);
  return plugin(who, options, {
    name,
    async evaluate(model, ctx) {
      const engine = ctx.hooks.engine(model, who);
      if (engine.kind !== 'masked')
        throw new Error(
          `${who}: architecture '${engine.architecture}' is a causal language model; measure it with perplexity()`,
        );
      const tokenizer = await tokenizerOf(options, ctx);
      const maskTokenId = options.maskTokenId ?? tokenizer.specialTokens?.['[MASK]'];
      if (maskTokenId === undefined)
        throw new Error(`${who}: the tokenizer has no '[MASK]' special token; set maskTokenId`);
      const text = options.text ?? (await readFile(path(ctx, options.file!), 'utf8'));
      const r = await maskedLMLoss(engine, tokenizer.encode(text), {
        ...options,
        maskTokenId,
        seed: options.seed ?? ctx.config.seed,
      });
      ctx.logger.info(`${name}: masked-LM loss ${r.loss.toFixed(4)} over ${r.masked} masked tokens`);
      return { [`${name}/loss`]: r.loss, [`${name}/pseudo_ppl`]: Math.exp(r.loss), [`${name}/masked`]: r.masked };
    },
  });
}

export interface MultipleChoiceOptions extends Common {
  /** JSON or JSONL task file of { context, choices, answer }, or `items`. */
  file?: string;
  items?: ChoiceItem[];
}

/** Multiple-choice accuracy by log-likelihood: `<name>/acc`, `<name>/acc_norm`. */
export function multipleChoice(options: MultipleChoiceOptions): KilnPlugin {
  const name = options.name ?? 'choice';
  if ((options.file === undefined) === (options.items === undefined))
    throw new Error(`kiln:eval-multiple-choice: give exactly one of "file" or "items"`);
  const inline = options.items?.map((it, i) => checkChoiceItem(it, `kiln:eval-multiple-choice: items[${i}]`));
  return plugin('kiln:eval-multiple-choice', options, {
    name,
    async evaluate(model, ctx) {
      const items = inline ?? (await loadChoiceItems(path(ctx, options.file!)));
      const tokenizer = await tokenizerOf(options, ctx);
      const scores = await scoreMultipleChoice(
        items,
        engineLogLikelihood(toEngine(model, ctx.hooks, 'kiln:eval-multiple-choice'), tokenizer, tokenizer.eosId),
      );
      return { [`${name}/acc`]: scores.acc, [`${name}/acc_norm`]: scores.acc_norm, [`${name}/items`]: items.length };
    },
  });
}

export interface ExactAnswerOptions extends Common {
  /** JSON or JSONL task file of { prompt, answer }, or `items`. */
  file?: string;
  items?: AnswerItem[];
  /** Most tokens per answer (default 32). */
  maxTokens?: number;
  /** The answer ends at any of these (default: a newline). */
  stop?: string[];
  caseSensitive?: boolean;
}

/** Exact-answer accuracy with greedy decoding: `<name>/exact_match`. */
export function exactAnswer(options: ExactAnswerOptions): KilnPlugin {
  const name = options.name ?? 'exact';
  if ((options.file === undefined) === (options.items === undefined))
    throw new Error(`kiln:eval-exact-answer: give exactly one of "file" or "items"`);
  const inline = options.items?.map((it, i) => checkAnswerItem(it, `kiln:eval-exact-answer: items[${i}]`));
  const norm = (s: string) => (options.caseSensitive ? s.trim() : s.trim().toLowerCase());
  return plugin('kiln:eval-exact-answer', options, {
    name,
    async evaluate(model, ctx) {
      const items = inline ?? (await loadAnswerItems(path(ctx, options.file!)));
      if (items.length === 0) throw new Error(`kiln:eval-exact-answer: the task has no items`);
      const generator = createModelGenerator(
        toEngine(model, ctx.hooks, 'kiln:eval-exact-answer'),
        await tokenizerOf(options, ctx),
      );
      let correct = 0;
      for (const item of items) {
        let text = '';
        for await (const chunk of generator.generate(item.prompt, {
          temperature: 0,
          maxTokens: options.maxTokens ?? 32,
          stop: options.stop ?? ['\n'],
        }))
          text += chunk.text;
        if (norm(text) === norm(item.answer)) correct++;
      }
      return { [`${name}/exact_match`]: correct / items.length, [`${name}/items`]: items.length };
    },
  });
}

export interface SamplesOptions extends Common {
  prompts: string[];
  maxTokens?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
}

/** Sample generations, written to eval/samples.json for the report: `samples/count`. */
export function samples(options: SamplesOptions): KilnPlugin {
  if (
    !Array.isArray(options.prompts) ||
    options.prompts.length === 0 ||
    !options.prompts.every((p) => typeof p === 'string' && p.length > 0)
  )
    throw new Error('kiln:eval-samples: "prompts" must be a non-empty list of non-empty strings');
  return plugin('kiln:eval-samples', options, {
    name: options.name ?? 'samples',
    async evaluate(model, ctx) {
      const generator = createModelGenerator(
        toEngine(model, ctx.hooks, 'kiln:eval-samples'),
        await tokenizerOf(options, ctx),
      );
      const settings = {
        maxTokens: options.maxTokens ?? 64,
        temperature: options.temperature ?? 0.8,
        topK: options.topK,
        topP: options.topP,
        seed: options.seed ?? ctx.config.seed,
      };
      const out: Array<{ prompt: string; completion: string }> = [];
      for (const [i, prompt] of options.prompts.entries()) {
        let completion = '';
        for await (const chunk of generator.generate(prompt, { ...settings, seed: settings.seed + i }))
          completion += chunk.text;
        out.push({ prompt, completion });
      }
      await ctx.runDir.writeJson('eval/samples.json', {
        format: 'kiln-eval-samples',
        version: 1,
        settings,
        samples: out,
      });
      return { 'samples/count': out.length };
    },
  });
}
