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
  onStep: (step, loss) => process.stdout.write(`${JSON.stringify({ step, loss })}\n`),
});
