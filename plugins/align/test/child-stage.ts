// Child process for kill-resume.test.ts: one stage run that prints each step as a JSON line.
// argv: root, runDir, stage, section (JSON).
import { runStage, type TrainingStage } from './stage-helper.js';

const [root, runDir, stage, section] = process.argv.slice(2);
await runStage({ root, runDir, stage: stage as TrainingStage, section: JSON.parse(section), onStep: (step, loss) => process.stdout.write(`${JSON.stringify({ step, loss })}\n`) });
