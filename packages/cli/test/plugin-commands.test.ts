/** Plugins add CLI commands (KilnPlugin.command): kiln --help lists them with the plugin's name, and they run in the config's run. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCaptured } from '../src/index.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const CONFIG = `const counter = {
  name: 'kiln-plugin-count-words',
  command: {
    name: 'count-words',
    description: 'count the words of a file',
    arguments: ['<file>'],
    options: [{ flags: '--min <n>', description: 'only words of at least n letters', default: '1' }],
    async run([file], options, ctx) {
      const { readFile } = await import('node:fs/promises');
      const { join } = await import('node:path');
      const words = (await readFile(join(ctx.config.root, file), 'utf8')).split(/\\s+/).filter((w) => w.length >= Number(options.min));
      ctx.print(\`\${words.length} words (run \${ctx.config.name})\\n\`);
      return words.length > 3 ? 0 : 3;
    },
  },
};
export default { name: 'cmds', plugins: [counter] };
`;
let cwd: string;

const kiln = (argv: string[], dir = cwd) => runCaptured(argv, { cwd: dir });

beforeAll(() => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  cwd = mkdtempSync(join(base, 'plugin-commands-'));
  writeFileSync(join(cwd, 'llm.config.mjs'), CONFIG);
  writeFileSync(join(cwd, 'words.txt'), 'a bb ccc dddd eeeee');
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('plugin commands', () => {
  test('kiln --help lists the command with its plugin; it runs with its arguments, options and exit code', async () => {
    const help = await kiln(['--help']);
    expect(help.stdout).toMatch(
      /count-words \[options\] <file>\s+count the words of a file \(from\s+kiln-plugin-count-words\)/,
    );
    const all = await kiln(['count-words', 'words.txt']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toBe('5 words (run cmds)\n');
    const long = await kiln(['count-words', 'words.txt', '--min', '4']);
    expect(long).toMatchObject({ code: 3, stdout: '2 words (run cmds)\n' });
  });

  test('a plugin command may not take a built-in name', async () => {
    // Its own folder: an ES module config is cached by path for the life of the process.
    const dir = join(cwd, 'clash');
    mkdirSync(dir);
    writeFileSync(join(dir, 'llm.config.mjs'), CONFIG.replace("name: 'count-words'", "name: 'train'"));
    const r = await kiln(['--help'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/plugin kiln-plugin-count-words: command 'train' is one of kiln's own/);
  });

  test("a two-word command is a subcommand of the first word, kiln's own commands included", async () => {
    const dir = join(cwd, 'sub');
    mkdirSync(dir);
    const sub = CONFIG.replace("name: 'count-words'", "name: 'tokenizer count'")
      .replace("arguments: ['<file>']", "arguments: ['<words...>']")
      .replace(
        /async run\(\[file\][\s\S]*?\n {4}\},/,
        "async run(words, options, ctx) { ctx.print(words.join('+') + ' in ' + ctx.cwd + '\\n'); },",
      );
    writeFileSync(join(dir, 'llm.config.mjs'), sub);
    const help = await kiln(['tokenizer', '--help'], dir);
    expect(help.stdout).toMatch(
      /count \[options\] <words\.\.\.>\s+count the words of a file \(from\s+kiln-plugin-count-words\)/,
    );
    expect(help.stdout).toMatch(/^ {2}train /m);
    const r = await kiln(['tokenizer', 'count', 'a', 'bb', 'c'], dir);
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: `a+bb+c in ${dir}\n` });
    const own = join(cwd, 'own');
    mkdirSync(own);
    writeFileSync(join(own, 'llm.config.mjs'), CONFIG.replace("name: 'count-words'", "name: 'tokenizer train'"));
    const clash = await kiln(['tokenizer', 'count'], own);
    expect(clash.stderr).toMatch(/command 'tokenizer train' is one of kiln's own/);
  });

  test('without a config, a subcommand a plugin would add fails saying where it comes from', async () => {
    const empty = join(cwd, 'empty');
    mkdirSync(empty);
    const r = await kiln(['tokenizer', 'encode', 'hi'], empty);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /kiln tokenizer encode: not one of kiln's own commands, and no llm\.config\.ts here lists a plugin that adds it/,
    );
  });
});
