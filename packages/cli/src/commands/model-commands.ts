/**
 * Commands over a trained model rather than pipeline stages: `kiln generate`
 * streams a completion to stdout, `kiln serve` answers the OpenAI API on
 * localhost until Ctrl-C (`kiln report` comes from @kiln/report's plugin).
 * The model is the run's latest (state.json) unless --model names a directory.
 */
import { relative, resolve } from 'node:path';
import { createKiln, type Kiln } from '@kiln/core';
import { createModelGenerator, toEngine } from '@kiln/generate';
import { chatTemplateFromModelDir, type GenerateOptions, renderChatPrompt, type TextGenerator } from '@kiln/sampling';
import type { ServeOptions } from '@kiln/serve';
import type { Command } from 'commander';
import { createCliLogger } from '../cli-logger.js';
import type { CliIO } from '../io.js';
import { type CommonOptions, kilnOptions, withCommonOptions } from '../options.js';
import { describeModelDir } from './model-line.js';

interface ModelOptions extends CommonOptions {
  model?: string;
  tokenizer?: string;
}

const number = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got '${value}'`);
  return n;
};
const collect = (value: string, previous: string[] = []) => [...previous, value];

async function openKiln(command: string, options: CommonOptions, io: CliIO): Promise<Kiln> {
  const logger = createCliLogger({ json: options.json, verbose: options.verbose, write: io.stderr });
  return createKiln({ ...kilnOptions(options, command, io.cwd), env: io.env, logger });
}

/** --model, else the run's latest model (state.json), else undefined. */
async function modelDirOf(kiln: Kiln, options: ModelOptions, io: CliIO): Promise<string | undefined> {
  if (options.model !== undefined) return resolve(io.cwd, options.model);
  const runDir = kiln.context().runDir;
  const latest = (await runDir.readJson<{ modelDir?: string }>('state.json'))?.modelDir;
  return latest === undefined ? undefined : runDir.path(latest);
}

/** The model and tokenizer a command serves, as a TextGenerator over its architecture's KV-cached engine. */
async function loadGenerator(kiln: Kiln, command: string, options: ModelOptions, io: CliIO): Promise<TextGenerator> {
  const hooks = kiln.context().hooks;
  const modelDir = await modelDirOf(kiln, options, io);
  if (modelDir !== undefined)
    kiln
      .context()
      .logger.info(
        `${command === 'serve' ? 'serving' : 'generating'} from ${await describeModelDir(modelDir, options.model !== undefined, io.cwd)}`,
      );
  const { model } = await hooks.loadModel(modelDir);
  const tokenizer = await hooks.loadTokenizer(
    options.tokenizer === undefined ? undefined : resolve(io.cwd, options.tokenizer),
  );
  // The template the model was fine-tuned with (its tokenizer_config.json).
  const chatTemplate = modelDir === undefined ? undefined : await chatTemplateFromModelDir(modelDir);
  // A plain prompt's special-token strings are control tokens (the caller wrote all of it); a chat
  // prompt's parts say which text is the template's (markers) and which a message's (plain).
  const specialAware = {
    eosId: tokenizer.eosId,
    specialTokens: tokenizer.specialTokens,
    decode: (ids: ArrayLike<number>) => tokenizer.decode(ids),
    encode: (text: string, o?: { allowSpecial?: boolean }) =>
      tokenizer.encode(text, { allowSpecial: o?.allowSpecial ?? true }),
  };
  return createModelGenerator(toEngine(model, hooks, `kiln ${command}`), specialAware, {
    name: kiln.config.name,
    chatTemplate,
  });
}

function withModelOptions(command: Command): Command {
  return withCommonOptions(command)
    .option('--model <dir>', "model directory (default: the run's latest model)")
    .option('--tokenizer <dir>', "tokenizer directory (default: the run's tokenizer/)");
}

interface GenerateCliOptions extends ModelOptions {
  maxTokens: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  seed?: number;
  stop?: string[];
  chat?: boolean;
}

export function registerGenerate(program: Command, io: CliIO): void {
  withModelOptions(program.command('generate').description('sample text from the latest model, streamed to stdout'))
    .argument('<prompt>', 'text to continue')
    .option('-n, --max-tokens <n>', 'most tokens to generate', number('max-tokens'), 128)
    .option('-t, --temperature <t>', '0 is greedy (default 1)', number('temperature'))
    .option('--top-k <k>', 'keep the k most likely tokens', number('top-k'))
    .option('--top-p <p>', 'keep the most likely tokens holding p of the probability', number('top-p'))
    .option('--repetition-penalty <r>', '> 1 discourages repeats', number('repetition-penalty'))
    .option('--seed <n>', 'same seed, same text', number('seed'))
    .option('--stop <text>', 'stop before this text (repeatable)', collect)
    .option(
      '--chat',
      "send the prompt as a user turn, rendered with the model's chat template (the one it was fine-tuned with)",
    )
    .action(async (prompt: string, options: GenerateCliOptions) => {
      const kiln = await openKiln('generate', options, io);
      try {
        const generator = await loadGenerator(kiln, 'generate', options, io);
        const request: GenerateOptions = {
          maxTokens: options.maxTokens,
          temperature: options.temperature,
          topK: options.topK,
          topP: options.topP,
          repetitionPenalty: options.repetitionPenalty,
          seed: options.seed ?? kiln.config.seed,
          stop: options.stop,
        };
        let text = '';
        let tokens = 0;
        let finishReason: string | undefined;
        const dir = await modelDirOf(kiln, options, io);
        const template = options.chat && dir !== undefined ? await chatTemplateFromModelDir(dir) : undefined;
        if (options.chat && !template)
          throw new Error(
            'kiln generate --chat: the model directory has no chat template (tokenizer_config.json chat_template); fine-tune it with kiln finetune',
          );
        if (options.chat && template) request.stop = [...(request.stop ?? []), ...template.stop];
        const input =
          options.chat && template
            ? renderChatPrompt(template, [{ role: 'user', content: prompt }], generator.specialTokens ?? [])
            : prompt;
        for await (const chunk of generator.generate(input, request)) {
          if (chunk.tokenId >= 0) tokens++;
          text += chunk.text;
          finishReason = chunk.finishReason ?? finishReason;
          if (!options.json && chunk.text) io.stdout(chunk.text);
        }
        const promptTokens = generator.countTokens?.(input);
        io.stdout(
          options.json
            ? `${JSON.stringify({ ok: true, model: dir && relative(io.cwd, dir), prompt, promptTokens, text, tokens, finishReason })}\n`
            : '\n',
        );
      } finally {
        await kiln.close();
      }
    });
}

interface ServeCliOptions extends ModelOptions {
  host: string;
  port: number;
  concurrency?: number;
  maxQueue?: number;
  timeout?: number;
  apiKey?: string;
}

export function registerServe(program: Command, io: CliIO, stop: () => AbortSignal): void {
  withModelOptions(
    program.command('serve').description('serve the model over an OpenAI-compatible HTTP API (localhost by default)'),
  )
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', number('port'), 8000)
    .option('--concurrency <n>', 'generations at once', number('concurrency'))
    .option('--max-queue <n>', 'requests that may wait; more get 429', number('max-queue'))
    .option('--timeout <ms>', 'deadline per request', number('timeout'))
    .option(
      '--api-key <key>',
      'require Authorization: Bearer <key>; prefer the KILN_API_KEY environment variable (a flag shows in ps)',
    )
    .action(async (options: ServeCliOptions) => {
      // The HTTP server (fastify) loads for this command only: every other one starts without it.
      const { checkServeOptions, serve } = await import('@kiln/serve');
      // Checked before the model loads: a typo costs no waiting.
      const serveOptions = serveOptionsOf(options, io.env, checkServeOptions);
      const kiln = await openKiln('serve', options, io);
      const logger = kiln.context().logger;
      try {
        if (options.apiKey !== undefined)
          logger.warn('--api-key is visible to other users in ps; set KILN_API_KEY instead');
        const generator = await loadGenerator(kiln, 'serve', options, io);
        const server = await serve(generator, { ...serveOptions, logger });
        io.stdout(
          options.json
            ? `${JSON.stringify({ ok: true, url: server.url, model: generator.info.model })}\n`
            : `serving ${generator.info.model} at ${server.url}/v1 (Ctrl-C to stop)\n`,
        );
        const signal = stop();
        await new Promise<void>((done) =>
          signal.aborted ? done() : signal.addEventListener('abort', () => done(), { once: true }),
        );
        await server.close();
      } finally {
        await kiln.close();
      }
    });
}

const SERVE_FLAGS: Partial<Record<keyof ServeOptions, string>> = {
  host: '--host',
  port: '--port',
  concurrency: '--concurrency',
  maxQueue: '--max-queue',
  timeoutMs: '--timeout',
  apiKey: '--api-key',
};

/** The flags as ServeOptions, checked; the key from --api-key, else KILN_API_KEY. */
function serveOptionsOf(
  options: ServeCliOptions,
  env: CliIO['env'],
  checkServeOptions: (o: ServeOptions, name: (field: keyof ServeOptions) => string) => void,
): ServeOptions {
  const fromEnv = options.apiKey === undefined && env.KILN_API_KEY !== undefined;
  if (fromEnv && env.KILN_API_KEY === '')
    throw new Error('KILN_API_KEY is set but empty: set a key, or unset it to serve without one');
  const serveOptions: ServeOptions = {
    host: options.host,
    port: options.port,
    concurrency: options.concurrency,
    maxQueue: options.maxQueue,
    timeoutMs: options.timeout,
    apiKey: options.apiKey ?? env.KILN_API_KEY,
  };
  checkServeOptions(serveOptions, (field) =>
    field === 'apiKey' && fromEnv ? 'KILN_API_KEY' : (SERVE_FLAGS[field] ?? `serve option '${field}'`),
  );
  return serveOptions;
}
