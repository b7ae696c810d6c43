/**
 * Commands that plugins add (KilnPlugin.command): registered from the config in
 * the current folder when the command line asks for one that is not kiln's own,
 * or for help, so `kiln --help` lists them with the plugin that added them.
 * A name of two words ('tokenizer encode') is a subcommand of the first, which may be
 * one of kiln's own. Built-in commands never load the config for this.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONFIG_FILES,
  type CommandContext,
  createKiln,
  createMemoryLogger,
  KilnError,
  type PluginCommand,
} from '@kiln/core';
import type { Command } from 'commander';
import { createCliLogger } from '../cli-logger.js';
import type { CliIO } from '../io.js';
import { type CommonOptions, kilnOptions, withCommonOptions } from '../options.js';

/** The plugin commands of the config in io.cwd; undefined when there is no config file there. */
async function configCommands(io: CliIO, command: string): Promise<PluginCommand[] | undefined> {
  if (!CONFIG_FILES.some((f) => existsSync(join(io.cwd, f)))) return undefined;
  const kiln = await createKiln({ cwd: io.cwd, env: io.env, command, logger: createMemoryLogger() });
  try {
    return kiln.commands();
  } finally {
    await kiln.close();
  }
}

export async function registerPluginCommands(
  program: Command,
  io: CliIO,
  argv: readonly string[],
  setExit: (code: number) => void,
): Promise<void> {
  const builtins = new Set(program.commands.map((c) => c.name()));
  const first = argv.find((a) => !a.startsWith('-'));
  const help = argv.length === 0 || argv.includes('--help') || argv.includes('-h') || first === 'help';
  const subcommand =
    first !== undefined && builtins.has(first) ? asksForSubcommand(program, argv, first, io.cwd) : undefined;
  if (!help && (first === undefined || (builtins.has(first) && subcommand === undefined))) return;
  let commands: PluginCommand[] | undefined;
  try {
    commands = await configCommands(io, first ?? 'help');
  } catch (error) {
    // Help still works with a broken config; a plugin command cannot run without it.
    if (help) return;
    throw error;
  }
  if (commands === undefined && !help) {
    const asked = subcommand === undefined ? first : `${first} ${subcommand}`;
    const hint = `kiln ${asked}: not one of kiln's own commands, and no ${CONFIG_FILES[0]} here lists a plugin that adds it (as @kiln/tokenizers adds kiln tokenizer encode, and @kiln/report kiln report)`;
    // A word after a command of kiln's own would otherwise be taken for its folder argument.
    if (subcommand !== undefined) throw new KilnError(hint, { exitCode: 2 });
    io.stderr(`${hint}\n`);
  }
  const seen = new Map<string, string>();
  for (const { plugin, command } of commands ?? []) {
    const [parentName, name] = command.name.includes(' ') ? command.name.split(' ', 2) : [undefined, command.name];
    const parent =
      parentName === undefined
        ? program
        : (program.commands.find((c) => c.name() === parentName) ??
          program.command(parentName).description(`commands from ${plugin}`));
    const other = seen.get(command.name);
    if (other) throw new Error(`plugins ${other} and ${plugin} both add the command '${command.name}'`);
    if (parent.commands.some((c) => c.name() === name))
      throw new Error(`plugin ${plugin}: command '${command.name}' is one of kiln's own; rename it`);
    seen.set(command.name, plugin);
    const c = withCommonOptions(parent.command(name).description(`${command.description} (from ${plugin})`));
    for (const a of command.arguments ?? []) c.argument(a);
    for (const o of command.options ?? []) c.option(o.flags, o.description, o.default);
    c.action(async (...received: unknown[]) => {
      const n = command.arguments?.length ?? 0;
      // A variadic argument (<ids...>) arrives as an array.
      const args = received
        .slice(0, n)
        .flatMap((a) => (Array.isArray(a) ? a : [a]))
        .filter((a) => typeof a === 'string');
      const options = c.opts<CommonOptions & Record<string, unknown>>();
      const logger = createCliLogger({ json: options.json, verbose: options.verbose, write: io.stderr });
      const kiln = await createKiln({ ...kilnOptions(options, command.name, io.cwd), env: io.env, logger });
      try {
        const ctx: CommandContext = { ...kiln.context(), cwd: io.cwd, print: (text) => io.stdout(text) };
        const code = await command.run(args, options, ctx);
        if (typeof code === 'number') setExit(code);
      } finally {
        await kiln.close();
      }
    });
  }
}

/** `kiln tokenizer encode`: the word after a built-in command when it is not one of its own subcommands (nor a path). */
function asksForSubcommand(program: Command, argv: readonly string[], first: string, cwd: string): string | undefined {
  const next = argv[argv.indexOf(first) + 1];
  if (next === undefined || !/^[a-z][\w-]*$/.test(next) || existsSync(join(cwd, next))) return undefined;
  const own = program.commands.find((c) => c.name() === first)?.commands ?? [];
  return own.some((c) => c.name() === next) ? undefined : next;
}
