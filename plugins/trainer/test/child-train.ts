// Child process for kill.test.ts: one training run that prints each step as a JSON line.
// argv: root, runDir, train options (JSON), optionally the backend name, its options and the model (JSON).
import { runTrain } from './run-helper.js';

const [root, runDir, train, backend, backendOptions, model] = process.argv.slice(2);
await runTrain({
  root,
  runDir,
  train: JSON.parse(train),
  backend,
  backendOptions: backendOptions ? JSON.parse(backendOptions) : undefined,
  model: model ? JSON.parse(model) : undefined,
  onStep: (step, loss) => {
    process.stdout.write(`${JSON.stringify({ step, loss })}\n`);
    // Mid-run, no checkpoint written: wait here for the parent's SIGKILL (KILN_TEST_HOLD_AT, set by trainUntilKilled).
    if (step === Number(process.env.KILN_TEST_HOLD_AT)) return new Promise<void>(() => setInterval(() => {}, 1000));
  },
});
