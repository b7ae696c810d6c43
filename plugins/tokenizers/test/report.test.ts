import { describe, expect, it } from 'vitest';
import { trainBpe } from '../src/bpe-trainer.js';
import { tokenizerReport } from '../src/report.js';
import { split } from './helpers.js';

describe('tokenizerReport', () => {
  it('reports size, compression per language, longest tokens and Chinese coverage', async () => {
    const en = split('english.txt');
    const zh = split('chinese.txt');
    const tok = await trainBpe([...en.train, ...zh.train.slice(0, 300)], { vocabSize: 1200 });
    const r = tokenizerReport(
      tok,
      { english: en.heldOut, chinese: zh.heldOut },
      { corpus: zh.train.slice(0, 300), longest: 5 },
    );
    expect(r.vocabSize).toBe(tok.vocabSize);
    expect(r.compression.english.bytesPerToken).toBeGreaterThan(2);
    expect(r.compression.chinese.charsPerToken).toBeGreaterThan(0.4);
    expect(r.longestTokens).toHaveLength(5);
    expect(r.longestTokens[0].bytes).toBeGreaterThanOrEqual(r.longestTokens[4].bytes);
    expect(r.chineseCoverage!.distinct).toBeGreaterThan(100);
    expect(r.chineseCoverage!.share).toBeGreaterThan(0);
    expect(r.chineseCoverage!.share).toBeLessThanOrEqual(1);
  });
});
