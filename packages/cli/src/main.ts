/**
 * The `kiln` command. `main(argv)` returns the exit code instead of exiting,
 * so tests call it directly: 0 ok, 1 failure, 2 fix your config (wrong
 * field, missing plugin), 130 interrupted.
 */

import { createKiln, type Kiln } from '@kiln/core';
import { Command, CommanderError } from 'commander';
import { createCliLogger } from './cli-logger.js';
import { doctor, formatDoctor } from './commands/doctor.js';
import { initConfig } from './commands/init.js';
import { registerGenerate, registerServe } from './commands/model-commands.js';
import { registerPluginCommands } from './commands/plugin-commands.js';
import { PENDING_COMMANDS, STAGE_COMMANDS, type StageCommand } from './commands/stage-commands.js';
import {
  DATA_COMMANDS,
  type DataRunOptions,
  dataRunOverrides,
  registerWorker,
  withDataRunOptions,
} from './commands/worker.js';
import { onInterrupt } from './interrupt.js';
import { type CliIO, processIO } from './io.js';
import { type CommonOptions, configTarget, kilnOptions, withCommonOptions } from './options.js';
import { createTtyProgress } from './progress.js';
import { describeError, exitCodeOf } from './report-error.js';
import { summary } from './summary.js';

const VERSION = '0.1.0';

interface StageCommandOptions extends CommonOptions, DataRunOptions {
  force: boolean;
}

async function runStageCommand(
  entry: StageCommand,
  options: StageCommandOptions,
  io: CliIO,
  target?: string,
): Promise<void> {
  const logger = createCliLogger({ json: options.json, verbose: options.verbose, write: io.stderr });
  const bars = io.isTTY && !options.json ? createTtyProgress(io.progressStream) : undefined;
  const interrupt = onInterrupt((message) => logger.warn(message));
  let kiln: Kiln | undefined;
  try {
    kiln = await createKiln({
      ...kilnOptions({ ...options, set: [...dataRunOverrides(options), ...options.set] }, entry.name, io.cwd),
      ...configTarget(io.cwd, target, options),
      env: io.env,
      logger,
      signal: interrupt.signal,
      force: options.force,
      ...(bars && { progress: bars }),
    });
    const stages = entry.stages(kiln);
    if (stages.length === 0)
      logger.warn(
        `nothing to run: ${kiln.config.configFile ?? 'the config'} has no stage sections (data, tokenizer, train...) and no \`stages\``,
      );
    const results = await kiln.run(stages);
    bars?.stopAll();
    // Under mpirun the summary is rank 0's alone.
    if (kiln.rank === 0)
      io.stdout(
        options.json
          ? `${JSON.stringify({ ok: true, runDir: kiln.config.runDir, results })}\n`
          : summary(kiln.config.runDir, results),
      );
  } finally {
    bars?.stopAll();
    interrupt.dispose();
    await kiln?.close();
  }
}

function buildProgram(io: CliIO, setExit: (code: number) => void): Command {
  const program = new Command('kiln')
    .description(
      'Train language models from scratch in TypeScript: data, tokenizer, pretraining, tuning, evaluation, export.',
    )
    .version(VERSION)
    .exitOverride()
    // Options after a command's name are that command's (kiln tokenizer encode --json x), never its parent's.
    .enablePositionalOptions()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(kiln --help lists every command)');

  for (const entry of STAGE_COMMANDS) {
    const asStage = (command: Command) =>
      command
        .argument('[dir]', 'the folder holding llm.config.ts, or the config file itself (default: the current folder)')
        .option('--force', 'run every stage, even those state.json shows up to date', false)
        .action(async (target: string | undefined, options: StageCommandOptions) =>
          runStageCommand(entry, options, io, target),
        );
    const base = withCommonOptions(program.command(entry.name).description(entry.description));
    const command = asStage(DATA_COMMANDS.includes(entry.name) ? withDataRunOptions(base) : base);
    // `kiln tokenizer train` is the bare command; plugins add the others (@kiln/tokenizers: encode, decode, inspect),
    // whose options after their name are theirs.
    if (entry.name === 'tokenizer')
      asStage(
        withCommonOptions(
          command
            .enablePositionalOptions()
            .command('train')
            .description('train the tokenizer on the cleaned data (the tokenizer stage)'),
        ),
      );
  }
  for (const entry of PENDING_COMMANDS) {
    withCommonOptions(program.command(entry.name).description(`${entry.description} (not available yet)`)).action(
      () => {
        io.stderr(
          `kiln ${entry.name}: not available in this version: it needs ${entry.needs}, which no installed package provides yet\n`,
        );
        setExit(2);
      },
    );
  }
  registerGenerate(program, io);
  registerServe(program, io, () => {
    // Ctrl-C stops the server (io.signal lets tests stop it too).
    const interrupt = onInterrupt(() => {});
    const signals = io.signal ? [interrupt.signal, io.signal] : [interrupt.signal];
    const stop = AbortSignal.any(signals);
    stop.addEventListener('abort', () => interrupt.dispose(), { once: true });
    return stop;
  });
  registerWorker(program, io);
  withCommonOptions(
    program.command('doctor').description('what this machine offers: CPU, threads, WASM SIMD, backends'),
  ).action(async (options: CommonOptions) => {
    const report = await doctor({ ...kilnOptions(options, 'doctor', io.cwd), env: io.env });
    io.stdout(options.json ? `${JSON.stringify(report)}\n` : formatDoctor(report));
  });
  program
    .command('init')
    .description('write a commented llm.config.ts in the current folder (never overwrites)')
    .argument('[file]', 'file to write', 'llm.config.ts')
    .action(async (file: string) => {
      const written = await initConfig(io.cwd, file);
      io.stdout(`wrote ${written}\n`);
    });
  return program;
}

export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await registerPluginCommands(program, io, argv, (code) => (exitCode = code));
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const json = argv.includes('--json');
    io[json ? 'stdout' : 'stderr'](
      json
        ? `${JSON.stringify({ ok: false, error: describeError(error) })}\n`
        : `error: ${describeError(error).message}\n`,
    );
    return exitCodeOf(error);
  }
}
