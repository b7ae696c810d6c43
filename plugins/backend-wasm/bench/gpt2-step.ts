/**
 * One GPT-2 training step on any backend, as a trainer runs it: forward,
 * backward, gradient clipping at 1.0, AdamW. Shared by train.bench.ts.
 */

import { GPT2 } from '@kiln/gpt2';
import { AdamW, type Backend, backward, clipGradNorm, tidy } from '@kiln/tensor';

export interface TrainShape {
  label: string;
  nLayer: number;
  nEmbd: number;
  nHead: number;
  vocab: number;
  T: number;
  B: number;
}

export interface StepTiming {
  msPerStep: number;
  tokensPerS: number;
  loss: number;
}

/** A model and optimizer that stay alive across timed rounds. */
export interface StepTimer {
  /** Runs `steps` steps and returns their timing. */
  time(steps: number): Promise<StepTiming>;
  dispose(): void;
}

/** Builds the model and runs `warm` untimed steps. */
export async function trainingTimer(backend: Backend, s: TrainShape, warm: number): Promise<StepTimer> {
  const model = new GPT2(
    { vocabSize: s.vocab, nPositions: Math.max(s.T, 64), nLayer: s.nLayer, nEmbd: s.nEmbd, nHead: s.nHead },
    backend,
  );
  const params = [...model.parameters().values()];
  const opt = new AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.1, decay: (_, t) => t.shape.length >= 2 });
  const n = s.B * s.T;
  const inputs = Int32Array.from({ length: n }, (_, i) => (i * 7919 + 13) % s.vocab);
  const targets = Int32Array.from({ length: n }, (_, i) => (i * 104729 + 7) % s.vocab);
  let loss = NaN;
  const step = async () => {
    opt.zeroGrad();
    const lossT = tidy(() => {
      const out = model.forward(inputs, targets, { T: s.T });
      backward(out.loss!);
      return out.loss!;
    });
    loss = await lossT.item();
    lossT.dispose();
    const { scale } = await clipGradNorm(params, 1.0);
    opt.step({ gradScale: scale });
  };
  for (let i = 0; i < warm; i++) await step();
  return {
    async time(steps) {
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) await step();
      const ms = (performance.now() - t0) / Math.max(steps, 1);
      return { msPerStep: ms, tokensPerS: (n / ms) * 1000, loss };
    },
    dispose() {
      opt.dispose();
      model.dispose();
    },
  };
}

/** Builds the model, runs `warm` untimed steps then `steps` timed ones. */
export async function timeTraining(backend: Backend, s: TrainShape, warm: number, steps: number): Promise<StepTiming> {
  const timer = await trainingTimer(backend, s, warm);
  try {
    return await timer.time(steps);
  } finally {
    timer.dispose();
  }
}
