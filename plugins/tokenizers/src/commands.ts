/**
 * `kiln tokenizer encode|decode|inspect`, the commands this plugin adds to the CLI (`command`
 * hook): they load the run's tokenizer (tokenizer/ in the run directory) through the config's
 * tokenizer plugins, or the one `--tokenizer` names (a directory, tokenizer.json, GPT-2's
 * encoder.json + vocab.bpe, or a *.tiktoken file). `kiln tokenizer` alone, and `kiln tokenizer
 * train`, run the tokenizer stage (the CLI's own).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type CommandContext, type CommandProvider, KilnError, type Tokenizer } from '@kiln/core';
import { loadTokenizer } from './load.js';
import { type TokenizerReport, tokenizerReport } from './report.js';

const TOKENIZER_OPTION = {
  flags: '--tokenizer <dir|file>',
  description: "tokenizer directory or tokenizer.json (default: the run's tokenizer/)",
};

/** The run's tokenizer, or --tokenizer's (read by this plugin's loaders when no tokenizer plugin recognises it). */
async function tokenizerOf(options: Record<string, unknown>, ctx: CommandContext): Promise<Tokenizer> {
  const path = typeof options.tokenizer === 'string' ? resolve(ctx.cwd, options.tokenizer) : undefined;
  try {
    return await ctx.hooks.loadTokenizer(path);
  } catch (error) {
    const direct = path === undefined ? undefined : await loadTokenizer(path);
    if (!direct) throw error;
    return direct;
  }
}

/** A held-out file: one text per line's `text` field for .jsonl (data/clean.jsonl), else the whole file. */
async function readTexts(file: string, ctx: CommandContext): Promise<string[]> {
  const path = resolve(ctx.cwd, file);
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
function parseIds(args: readonly string[], vocabSize: number): number[] {
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

function formatTokenizerReport(r: TokenizerReport): string {
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

const positive = (value: unknown) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new KilnError(`--longest must be a positive integer, got '${String(value)}'`, { exitCode: 2 });
  return n;
};

const encode: CommandProvider = {
  name: 'tokenizer encode',
  description: 'print the token ids of a text',
  arguments: ['[text]'],
  options: [
    TOKENIZER_OPTION,
    { flags: '-f, --file <file>', description: 'encode this file instead' },
    {
      flags: '--allow-special',
      description: 'turn special-token text such as <|endoftext|> into its id',
      default: false,
    },
  ],
  async run([text], options, ctx) {
    const file = options.file as string | undefined;
    if ((text === undefined) === (file === undefined))
      throw new KilnError('kiln tokenizer encode: give a text or --file <file>, not both', { exitCode: 2 });
    const input = text ?? (await readTexts(file!, ctx))[0];
    const tok = await tokenizerOf(options, ctx);
    const ids = tok.encode(input, { allowSpecial: options.allowSpecial === true });
    ctx.print(options.json ? `${JSON.stringify({ ok: true, ids, tokens: ids.length })}\n` : `${ids.join(' ')}\n`);
  },
};

const decode: CommandProvider = {
  name: 'tokenizer decode',
  description: 'print the text of token ids',
  arguments: ['<ids...>'],
  options: [TOKENIZER_OPTION],
  async run(args, options, ctx) {
    const tok = await tokenizerOf(options, ctx);
    const text = tok.decode(parseIds(args, tok.vocabSize));
    ctx.print(options.json ? `${JSON.stringify({ ok: true, text })}\n` : `${text}\n`);
  },
};

const inspect: CommandProvider = {
  name: 'tokenizer inspect',
  description: 'vocabulary size, bytes and characters per token on held-out text, longest tokens, Chinese coverage',
  options: [
    TOKENIZER_OPTION,
    { flags: '--en <file>', description: 'held-out English text (.txt, or .jsonl with a "text" field per line)' },
    { flags: '--zh <file>', description: 'held-out Chinese text (.txt or .jsonl)' },
    {
      flags: '--corpus <file>',
      description: 'corpus whose Chinese characters to check for single tokens (default: the --zh file)',
    },
    { flags: '--longest <n>', description: 'how many of the longest tokens to list', default: '20' },
  ],
  async run(_args, options, ctx) {
    const longest = positive(options.longest);
    const en = options.en as string | undefined;
    const zh = options.zh as string | undefined;
    const heldOut: Record<string, string[]> = {};
    if (en !== undefined) heldOut.en = await readTexts(en, ctx);
    if (zh !== undefined) heldOut.zh = await readTexts(zh, ctx);
    const corpusFile = (options.corpus as string | undefined) ?? zh;
    const corpus =
      corpusFile === undefined ? undefined : corpusFile === zh ? heldOut.zh : await readTexts(corpusFile, ctx);
    const report = tokenizerReport(await tokenizerOf(options, ctx), heldOut, { corpus, longest });
    ctx.print(options.json ? `${JSON.stringify({ ok: true, report })}\n` : formatTokenizerReport(report));
  },
};

export const TOKENIZER_COMMANDS: CommandProvider[] = [encode, decode, inspect];
