/** Options every command takes, and turning them into Kiln options. */
import { Command, Option } from 'commander';
import type { KilnOptions } from '@kiln/core';

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
    .addOption(new Option('--set <key=value>', 'override a config field, e.g. --set train.steps=100 (repeatable; JSON values)').argParser(collect).default([]))
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
