/**
 * `kiln tokenizer train|encode|decode|inspect`. `train` (and `kiln tokenizer`
 * alone) runs the tokenizer stage; the others load the run's tokenizer
 * (tokenizer/ in the run directory) through the config's tokenizer plugins, or
 * the one `--tokenizer` names (a directory, tokenizer.json, GPT-2's
 * encoder.json + vocab.bpe, or a *.tiktoken file; no config needed then).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createKiln, type Kiln, KilnError, type Tokenizer } from '@kiln/core';
import { loadTokenizer, type TokenizerReport, tokenizerReport } from '@kiln/tokenizers';
import type { Command } from 'commander';
import { createCliLogger } from '../cli-logger.js';
import type { CliIO } from '../io.js';
import { type CommonOptions, kilnOptions, withCommonOptions } from '../options.js';

interface TokenizerOptions extends CommonOptions {
  tokenizer?: string;
}

/** The run's tokenizer, or --tokenizer's; falls back to @kiln/tokenizers' loaders when the config has no tokenizer plugin. */
async function withTokenizer<T>(
  command: string,
  options: TokenizerOptions,
  io: CliIO,
  use: (tok: Tokenizer) => Promise<T> | T,
): Promise<T> {
  const logger = createCliLogger({ json: options.json, verbose: options.verbose, write: io.stderr });
  const kiln: Kiln = await createKiln({ ...kilnOptions(options, command, io.cwd), env: io.env, logger });
  try {
    const path = options.tokenizer === undefined ? undefined : resolve(io.cwd, options.tokenizer);
    let tok: Tokenizer;
    try {
      tok = await kiln.context().hooks.loadTokenizer(path);
    } catch (error) {
      const direct = path === undefined ? undefined : await loadTokenizer(path);
      if (!direct) throw error;
      tok = direct;
    }
    return await use(tok);
  } finally {
    await kiln.close();
  }
}

/** A held-out file: one text per line's `text` field for .jsonl (data/clean.jsonl), else the whole file. */
async function readTexts(file: string, io: CliIO): Promise<string[]> {
  const path = resolve(io.cwd, file);
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    throw new KilnError(`${file}: cannot read it (${(error as Error).message})`, { exitCode: 2 });
  }
  if (!path.endsWith('.jsonl')) return [content];
  return content.split('\n').flatMap((line, i) => {
    if (!line.trim()) return [];
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      throw new KilnError(`${file}:${i + 1}: not valid JSON`, { exitCode: 2 });
    }
    const text = (doc as { text?: unknown })?.text;
    if (typeof text !== 'string') throw new KilnError(`${file}:${i + 1}: needs a string field "text"`, { exitCode: 2 });
    return [text];
  });
}

/** Ids from arguments such as `15496 11 995`, `15496,11,995` or `[15496, 11, 995]`. */
export function parseIds(args: readonly string[], vocabSize: number): number[] {
  const parts = args.flatMap((a) => a.split(/[\s,[\]]+/)).filter(Boolean);
  return parts.map((part) => {
    const id = Number(part);
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
      throw new KilnError(`decode: '${part}' is not a token id (integers 0..${vocabSize - 1})`, { exitCode: 2 });
    return id;
  });
}

const fixed = (x: number) => x.toFixed(2);
/** Control characters and spaces made visible, so token boundaries can be read. */
const visible = (text: string) => JSON.stringify(text);

export function formatTokenizerReport(r: TokenizerReport): string {
  const lines = [`${r.type} tokenizer, vocabulary ${r.vocabSize}, hash ${r.hash}`];
  const specials = Object.entries(r.specialTokens);
  if (specials.length) lines.push(`special tokens: ${specials.map(([t, id]) => `${t}=${id}`).join(' ')}`);
  for (const [name, c] of Object.entries(r.compression)) {
    lines.push(
      `${name.padEnd(4)} ${c.tokens} tokens for ${c.bytes} bytes, ${c.chars} chars: ${fixed(c.bytesPerToken)} bytes/token, ${fixed(c.charsPerToken)} chars/token`,
    );
  }
  if (r.chineseCoverage) {
    const c = r.chineseCoverage;
    lines.push(
      `Chinese coverage: ${c.singleToken} of ${c.distinct} distinct Han characters are one token (${(100 * c.share).toFixed(1)}%)`,
    );
  }
  lines.push(`longest tokens: ${r.longestTokens.map((t) => `${t.id}:${visible(t.text)}`).join(' ')}`);
  return `${lines.join('\n')}\n`;
}

interface EncodeOptions extends TokenizerOptions {
  file?: string;
  allowSpecial: boolean;
}
interface InspectOptions extends TokenizerOptions {
  en?: string;
  zh?: string;
  corpus?: string;
  longest: number;
}

const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new KilnError(`--longest must be a positive integer, got '${value}'`, { exitCode: 2 });
  return n;
};

function withTokenizerOption(command: Command): Command {
  return withCommonOptions(command).option(
    '--tokenizer <dir|file>',
    "tokenizer directory or tokenizer.json (default: the run's tokenizer/)",
  );
}

/**
 * Adds the subcommands to `kiln tokenizer`; `train` runs what the bare command
 * runs. Options after a subcommand's name belong to the subcommand.
 */
export function registerTokenizerSubcommands(tokenizer: Command, io: CliIO, train: (command: Command) => void): void {
  tokenizer.enablePositionalOptions();
  train(
    withCommonOptions(
      tokenizer.command('train').description('train the tokenizer on the cleaned data (the tokenizer stage)'),
    ),
  );

  withTokenizerOption(tokenizer.command('encode').description('print the token ids of a text'))
    .argument('[text]', 'text to encode (or --file)')
    .option('-f, --file <file>', 'encode this file instead')
    .option('--allow-special', 'turn special-token text such as <|endoftext|> into its id', false)
    .action(async (text: string | undefined, options: EncodeOptions) => {
      if ((text === undefined) === (options.file === undefined))
        throw new KilnError('kiln tokenizer encode: give a text or --file <file>, not both', { exitCode: 2 });
      const input = text ?? (await readTexts(options.file!, io))[0];
      const ids = await withTokenizer('tokenizer', options, io, (tok) =>
        tok.encode(input, { allowSpecial: options.allowSpecial }),
      );
      io.stdout(options.json ? `${JSON.stringify({ ok: true, ids, tokens: ids.length })}\n` : `${ids.join(' ')}\n`);
    });

  withTokenizerOption(tokenizer.command('decode').description('print the text of token ids'))
    .argument('<ids...>', 'token ids: 15496 11 995, or 15496,11,995')
    .action(async (args: string[], options: TokenizerOptions) => {
      const text = await withTokenizer('tokenizer', options, io, (tok) => tok.decode(parseIds(args, tok.vocabSize)));
      io.stdout(options.json ? `${JSON.stringify({ ok: true, text })}\n` : `${text}\n`);
    });

  withTokenizerOption(
    tokenizer
      .command('inspect')
      .description(
        'vocabulary size, bytes and characters per token on held-out text, longest tokens, Chinese coverage',
      ),
  )
    .option('--en <file>', 'held-out English text (.txt, or .jsonl with a "text" field per line)')
    .option('--zh <file>', 'held-out Chinese text (.txt or .jsonl)')
    .option('--corpus <file>', 'corpus whose Chinese characters to check for single tokens (default: the --zh file)')
    .option('--longest <n>', 'how many of the longest tokens to list', positive, 20)
    .action(async (options: InspectOptions) => {
      const heldOut: Record<string, string[]> = {};
      if (options.en !== undefined) heldOut.en = await readTexts(options.en, io);
      if (options.zh !== undefined) heldOut.zh = await readTexts(options.zh, io);
      const corpusFile = options.corpus ?? options.zh;
      const corpus =
        corpusFile === undefined ? undefined : corpusFile === options.zh ? heldOut.zh : await readTexts(corpusFile, io);
      const report = await withTokenizer('tokenizer', options, io, (tok) =>
        tokenizerReport(tok, heldOut, { corpus, longest: options.longest }),
      );
      io.stdout(options.json ? `${JSON.stringify({ ok: true, report })}\n` : formatTokenizerReport(report));
    });
}
