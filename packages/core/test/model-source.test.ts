import { describe, expect, test } from 'vitest';
import { defaultModelDir } from '../src/model-source.js';
import type { RunState } from '../src/run-state.js';

const record = (modelDir?: string) => ({
  finishedAt: '',
  seconds: 0,
  configHash: '',
  ...(modelDir !== undefined && { modelDir }),
});

function state(stages: RunState['stages'], modelDir?: string): RunState {
  return { format: 'kiln-run-state', version: 1, writer: 'test', stages, ...(modelDir && { modelDir }) };
}

describe('the model a stage starts from', () => {
  const finished = state(
    {
      train: record('checkpoints/step-000200'),
      finetune: record('finetune/step-000050'),
      compress: record('compress/model'),
      export: record(),
    },
    'compress/model',
  );

  test("the last training stage before it, never compress's output", () => {
    expect(defaultModelDir(finished, 'compress')).toBe('finetune/step-000050');
    expect(defaultModelDir(finished, 'export')).toBe('finetune/step-000050');
    expect(defaultModelDir(finished, 'eval')).toBe('finetune/step-000050');
  });

  test('a training stage starts from the one before it, not from its own last output', () => {
    expect(defaultModelDir(finished, 'finetune')).toBe('checkpoints/step-000200');
    expect(defaultModelDir({ ...finished, modelDir: 'align/dpo' }, 'align')).toBe('finetune/step-000050');
  });

  test('outside a stage (generate, serve): the latest model', () => {
    expect(defaultModelDir(finished, undefined)).toBe('compress/model');
  });

  test('a model placed by hand is used; a compressed one alone is not', () => {
    expect(defaultModelDir(state({}, 'model'), 'eval')).toBe('model');
    expect(defaultModelDir(state({ compress: record('compress/model') }, 'compress/model'), 'export')).toBeUndefined();
  });
});
