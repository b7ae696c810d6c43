/** Options every command takes, and turning them into Kiln options. */
import { statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { KilnError, type KilnOptions } from '@kiln/core';
import { type Command, Option } from 'commander';

export interface CommonOptions {
  config?: string;
  set: string[];
  json: boolean;
  runDir?: string;
  verbose: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function withCommonOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'config file (default: llm.config.{ts,mts,js,mjs} in the current folder)')
    .addOption(
      new Option('--set <key=value>', 'override a config field, e.g. --set train.steps=100 (repeatable; JSON values)')
        .argParser(collect)
        .default([]),
    )
    .option('--json', 'machine-readable output on stdout (no progress bars, fewer logs)', false)
    .option('--run-dir <dir>', 'run directory (default: runs/<name> beside the config)')
    .option('-v, --verbose', 'debug logs', false);
}

export function kilnOptions(options: CommonOptions, command: string, cwd: string): KilnOptions {
  return {
    cwd,
    command,
    configFile: options.config,
    overrides: options.set,
    runDir: options.runDir,
  };
}

/**
 * `kiln run examples/quickstart` or `kiln run path/llm.config.ts`: the config's
 * folder becomes the working folder (runs/ and relative paths resolve there).
 */
export function configTarget(
  cwd: string,
  target: string | undefined,
  options: Pick<CommonOptions, 'config' | 'runDir'>,
): Pick<KilnOptions, 'cwd' | 'configFile' | 'runDir'> {
  if (target === undefined) return {};
  const configFlag = options.config;
  // --run-dir stays relative to where the command was typed.
  const runDir = options.runDir === undefined ? {} : { runDir: resolve(cwd, options.runDir) };
  const abs = resolve(cwd, target);
  let isDir: boolean;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    throw new KilnError(`${target}: no such folder or config file`, { exitCode: 2 });
  }
  if (isDir) return { cwd: abs, ...runDir, ...(configFlag !== undefined && { configFile: resolve(cwd, configFlag) }) };
  if (configFlag !== undefined)
    throw new KilnError(`give the config either as ${target} or with -c ${configFlag}, not both`, { exitCode: 2 });
  return { cwd: dirname(abs), configFile: basename(abs), ...runDir };
}
