// Child process for kill-resume.test.ts: one stage run that prints each step as a JSON line.
// argv: root, runDir, stage, section (JSON), killAt. At step killAt the run waits (inside its
// onStep listener, mid-run, no checkpoint written) for the parent's SIGKILL, so a busy machine
// cannot let it run past the step the test kills it at.
import { runStage, type TrainingStage } from './stage-helper.js';

const [root, runDir, stage, section, killAt] = process.argv.slice(2);
await runStage({
  root,
  runDir,
  stage: stage as TrainingStage,
  section: JSON.parse(section),
  onStep: (step, loss) => {
    process.stdout.write(`${JSON.stringify({ step, loss })}\n`);
    if (step === Number(killAt)) return new Promise<void>(() => setInterval(() => {}, 1000));
  },
});
