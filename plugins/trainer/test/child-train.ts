// Child process for kill.test.ts: one training run that prints each step as a JSON line.
// argv: root, runDir, train options (JSON).
import { runTrain } from './run-helper.js';

const [root, runDir, train] = process.argv.slice(2);
await runTrain({ root, runDir, train: JSON.parse(train), onStep: (step, loss) => process.stdout.write(`${JSON.stringify({ step, loss })}\n`) });
