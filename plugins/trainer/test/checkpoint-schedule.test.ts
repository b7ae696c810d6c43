import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointSchedule } from '../src/checkpoint-schedule.js';

describe('CheckpointSchedule: when a training loop checkpoints', () => {
  it('every N steps, and when the minutes since the last checkpoint have passed; never at the last step', async () => {
    let now = 0;
    const schedule = new CheckpointSchedule({ checkpointEvery: 4, checkpointMinutes: 10 }, () => now);
    expect(schedule.due(1, 10)).toBeUndefined();
    expect(schedule.due(4, 10)).toBe('steps');
    await schedule.saved('/nowhere/step-000004', 'steps');
    now = 9.99 * 60_000;
    expect(schedule.due(5, 10)).toBeUndefined();
    now = 10 * 60_000;
    expect(schedule.due(6, 10)).toBe('time');
    await schedule.saved('/nowhere/step-000006', 'time');
    expect(schedule.due(7, 10)).toBeUndefined(); // the clock starts again at each checkpoint
    now = 30 * 60_000;
    expect(schedule.due(10, 10)).toBeUndefined(); // the stage saves its final model itself
  });

  it('0 turns either off', () => {
    let now = 0;
    const none = new CheckpointSchedule({ checkpointEvery: 0, checkpointMinutes: 0 }, () => now);
    now = 1e9;
    expect([1, 2, 100].map((s) => none.due(s, 1000))).toEqual([undefined, undefined, undefined]);
  });

  it("a clock-made checkpoint replaces the previous clock-made one; checkpointEvery's stay", async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-schedule-'));
    const dir = (step: number) => {
      const d = join(root, `step-${String(step).padStart(6, '0')}`);
      mkdirSync(d);
      return d;
    };
    const schedule = new CheckpointSchedule({ checkpointEvery: 5, checkpointMinutes: 1 });
    const [t3, s5, t7, t8] = [dir(3), dir(5), dir(7), dir(8)];
    await schedule.saved(t3, 'time');
    await schedule.saved(s5, 'steps');
    await schedule.saved(t7, 'time');
    expect([existsSync(t3), existsSync(s5), existsSync(t7)]).toEqual([false, true, true]);
    await schedule.saved(t8, 'abort');
    expect(existsSync(t7)).toBe(true);
  });
});
