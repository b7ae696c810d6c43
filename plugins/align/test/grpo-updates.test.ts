// GRPO's updatesPerBatch (PPO epochs): a batch of rollouts serves several updates, the ratio π/π_old
// clipped from the second on; the log-likelihood reward model reads the body's own token log-probs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatml, encodeChatPrompt } from '@kiln/finetune';
import { GPT2 } from '@kiln/gpt2';
import { customReward } from '@kiln/rewards';
import { backward, createRng, noGrad, ReferenceBackend, Tensor, tidy } from '@kiln/tensor';
import { loadTokenizer } from '@kiln/tokenizers';
import { afterAll, describe, expect, it } from 'vitest';
import { completionRows, RewardModel, rowSums, tokenLogProbs } from '../src/index.js';
import { prepareRunDir, runStage, writeStageData } from './stage-helper.js';

const root = mkdtempSync(join(tmpdir(), 'kiln-align-grpo-updates-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('GRPO updatesPerBatch', () => {
  it('samples every second step, and clips only updates after a batch’s first', async () => {
    await writeStageData(root);
    const runDir = join(root, 'run');
    await prepareRunDir(runDir);
    let scored = 0;
    const counting = customReward('test:count', (input) => (scored++, input.completion.length % 3), {
      cacheKey: 'count',
    });
    const infos: Array<{ step: number; reward: number; clipFraction: number }> = [];
    await runStage({
      root,
      runDir,
      stage: 'align',
      plugins: [
        counting,
        { name: 'test:steps', onStep: (i) => void infos.push(i as unknown as (typeof infos)[number]) },
      ],
      section: {
        trainer: 'grpo',
        initFrom: 'base',
        data: { prompts: 'prompts.jsonl' },
        steps: 4,
        promptsPerStep: 2,
        groupSize: 4,
        maxNewTokens: 3,
        lr: 5e-2,
        warmupSteps: 0,
        rewards: ['test:count'],
        updatesPerBatch: 2,
      },
    });
    expect(scored).toBe(2 * 2 * 4); // rollouts at steps 1 and 3 only
    expect(infos.map((i) => i.step)).toEqual([1, 2, 3, 4]);
    expect(infos[1].reward).toBe(infos[0].reward); // step 2 reuses step 1's batch
    expect(infos[3].reward).toBe(infos[2].reward);
    expect(infos[0].clipFraction).toBe(0); // π = π_old on a batch's first update
    expect(infos[2].clipFraction).toBe(0);
    expect(Math.max(infos[1].clipFraction, infos[3].clipFraction)).toBeGreaterThan(0);
  }, 60_000);
});

describe("the 'log-likelihood' reward model", () => {
  it("scores a reply with its body's mean token log-probability, trains it, and keeps its readout on reload", async () => {
    const be = new ReferenceBackend();
    const body = new GPT2({ vocabSize: 40, nPositions: 16, nLayer: 1, nEmbd: 16, nHead: 2 }, be, createRng(2));
    const rm = new RewardModel(body, be, createRng(3), 'log-likelihood');
    const items = [
      { prompt: [1, 2, 3], completion: [4, 5] },
      { prompt: [6, 7], completion: [8, 9, 10, 11] },
    ];
    const rows = completionRows(items, 0);
    const starts = items.map((x) => x.prompt.length);
    const scores = (await noGrad(() =>
      tidy(() => rm.score(rows.ids, rows.T, rows.lengths, starts).toArray()),
    )) as Float32Array;
    const sums = await noGrad(() =>
      tidy(async () => rowSums((await tokenLogProbs(body, rows.ids, rows.targets, rows.T)).logp, 2, rows.T)),
    );
    expect(scores[0]).toBeCloseTo(sums[0] / 2, 5);
    expect(scores[1]).toBeCloseTo(sums[1] / 4, 5);
    // The scores are on the tape: a backward reaches the body (the head is not used, and not trained).
    await tidy(async () => {
      const out = rm.score(rows.ids, rows.T, rows.lengths, starts);
      backward(out, Tensor.from(be, Float32Array.of(1, 1), out.shape));
    });
    const wte = [...body.parameters().values()][0];
    expect(wte.grad).toBeTruthy();
    expect([...rm.parameters().keys()].some((k) => k.startsWith('score.'))).toBe(false);
    const dir = join(root, 'rm-ll');
    await rm.save(dir);
    const again = await RewardModel.load(await GPT2.load(dir, be), dir, be, createRng(0));
    expect(again.pooling).toBe('log-likelihood');
    const reloaded = (await noGrad(() =>
      tidy(() => again.score(rows.ids, rows.T, rows.lengths, starts).toArray()),
    )) as Float32Array;
    expect([...reloaded]).toEqual([...scores]);
  });
});

// chosenNll on the reward model's 'log-likelihood' readout, and on DPO (RPO): the same sign test for both.
describe.each([
  ['the log-likelihood reward model', { trainer: 'reward-model', pooling: 'log-likelihood' }],
  ['DPO', { trainer: 'dpo', beta: 0.1 }],
])('chosenNll on %s', (label, trainer) => {
  it('keeps learning the right answers: their likelihood ends higher than with the preference loss alone', async () => {
    const runDir = join(root, `run-nll-${trainer.trainer}`);
    await prepareRunDir(runDir);
    const meanChosenLogp = async (nll: number) => {
      const name = `${trainer.trainer}-nll-${nll}`;
      const r = await runStage({
        root,
        runDir,
        stage: 'align',
        section: {
          ...trainer,
          initFrom: 'base',
          data: { pairs: 'pairs.jsonl' },
          steps: 8,
          batchSize: 8,
          lr: 1e-2,
          chosenNll: nll,
          name,
        },
      });
      expect(r.result.outputs, label).toEqual([`align/${name}`]);
      const be = new ReferenceBackend();
      const model = await GPT2.load(join(runDir, 'align', name), be);
      const tok = (await loadTokenizer(join(runDir, 'align', name)))!;
      const pairs = readFileSync(join(root, 'pairs.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const items = pairs.map((p: { prompt: string; chosen: string }) => ({
        prompt: encodeChatPrompt([{ role: 'user', content: p.prompt }], chatml, tok),
        completion: [...tok.encode(p.chosen), tok.specialTokens['<|im_end|>']],
      }));
      const rows = completionRows(items, tok.eosId);
      const sums = await noGrad(() =>
        tidy(async () =>
          rowSums((await tokenLogProbs(model, rows.ids, rows.targets, rows.T)).logp, items.length, rows.T),
        ),
      );
      model.dispose();
      return sums.reduce((a, x) => a + x, 0) / items.length;
    };
    expect(await meanChosenLogp(1)).toBeGreaterThan(await meanChosenLogp(0));
  }, 120_000);
});
