// One rank of distributed.test.ts, launched by mpirun: the train stage through the real core, which
// finds the launch in the environment (OMPI_COMM_WORLD_*) and trains data-parallel over MPI.
// argv: root, runDir, settings JSON { train, model, backend, backendOptions }.
// Prints JSON lines: {rank, pid} at start; on rank 0 {step, loss} per step and {done, logs} at the end.
// KILN_TEST_HOLD_AT=<step>: rank 0 waits inside onStep at that step (for a kill from the test).
// KILN_TEST_RANK1_LR=<lr>: rank 1 alone trains with another lr (a config the ranks disagree on).
// KILN_TEST_RANK1_ROOT=<dir>: rank 1 reads text.txt there (same config, other data).
import { createKiln, createStreamLogger, type KilnPlugin } from '@kiln/core';
import gpt2 from '@kiln/gpt2';
import trainer from '../src/index.js';

const [rootArg, runDir, settingsJson] = process.argv.slice(2);
const settings = JSON.parse(settingsJson) as {
  train: Record<string, unknown>;
  model: Record<string, unknown>;
  backend: string;
  backendOptions?: Record<string, unknown>;
};
const rank = Number(process.env.OMPI_COMM_WORLD_RANK ?? 0);
// KILN_TEST_RANK1_ROOT: rank 1 reads its data.text from another folder (other data, same config).
const root = rank === 1 && process.env.KILN_TEST_RANK1_ROOT ? process.env.KILN_TEST_RANK1_ROOT : rootArg;
const say = (record: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(record)}\n`);
say({ rank, pid: process.pid });

const hold = Number(process.env.KILN_TEST_HOLD_AT);
const recorder: KilnPlugin = {
  name: 'test:mpi-recorder',
  onStep(info) {
    say({ step: info.step, loss: info.loss, gradNorm: info.gradNorm });
    if (info.step === hold) return new Promise<void>(() => setInterval(() => {}, 1000));
  },
};
const train = { trainer: 'causal-lm', ...settings.train };
if (rank === 1 && process.env.KILN_TEST_RANK1_LR) train.lr = Number(process.env.KILN_TEST_RANK1_LR);
const records: string[] = [];
const stderr = createStreamLogger('info');
const logger = {
  debug() {},
  info: (message: string, data?: Record<string, unknown>) =>
    records.push(message + (data ? ` ${JSON.stringify(data)}` : '')),
  warn: stderr.warn,
  error: stderr.error,
};
const kiln = await createKiln({
  cwd: root,
  runDir,
  command: 'train',
  logger,
  config: {
    name: 'mpi-test',
    seed: 5,
    backend: settings.backend,
    ...(settings.backendOptions && { backendOptions: settings.backendOptions }),
    plugins: [gpt2(), trainer(), recorder],
    model: settings.model,
    train,
  },
});
const results = await kiln.run(['train']);
await kiln.close();
if (rank === 0) say({ done: true, metrics: results.train.metrics, logs: records });
