import { describe, expect, it } from 'vitest';
import {
  cleanWhitespace,
  exactDedupCleaner,
  languageCleaner,
  maskPii,
  minhashDedupCleaner,
  normalizeText,
  piiCleaner,
  qualityCleaner,
  t2sCleaner,
  unicodeCleaner,
  whitespaceCleaner,
} from '../src/index.js';
import { doc, fixture, runCleaners } from './helpers.js';

// Mixed scripts, emoji with ZWJ sequences and skin tones, CJK punctuation, astral Han.
const MIXED = [
  '今天天气很好，我们去公园散步吧！The weather is lovely today, and we will walk to the park together with the family.',
  '👩‍👩‍👧‍👦 家庭 family 👍🏽 🇨🇳 emoji stay intact; 「引号」和《书名号》也保留。𠀀𠀁 are astral Han characters.',
  'Mathematics: ∑ x² ≤ 1, café, naïve, Ελληνικά, русский, العربية, हिन्दी, 한국어, 日本語のテキスト。',
].join('\n');

describe('cleaners keep every script', () => {
  it('round-trips mixed Chinese/English/emoji text through every cleaner that keeps text', async () => {
    const keepers = () => [
      unicodeCleaner({ form: 'NFC' }),
      whitespaceCleaner(),
      piiCleaner(),
      exactDedupCleaner(),
      minhashDedupCleaner(),
      qualityCleaner({ minWords: 10, minStopWords: 0 }),
      languageCleaner({ keep: ['eng', 'cmn'], minScriptShare: 0.5 }),
    ];
    for (const c of keepers()) {
      const { kept, dropped } = await runCleaners([c], [doc('mixed', MIXED)]);
      expect(dropped, c.rule).toEqual([]);
      expect(kept[0].text, c.rule).toBe(MIXED);
    }
    const chain = await runCleaners(keepers(), [doc('mixed', MIXED)]);
    expect(chain.kept[0].text).toBe(MIXED);
  });

  it('NFKC folds compatibility forms but keeps CJK full-width punctuation and every script', () => {
    expect(normalizeText('ﬁ ① Ｈｅｌｌｏ', 'NFKC')).toBe('fi 1 Hello');
    // Only the superscript two is a compatibility form in MIXED; every script and emoji stays.
    expect(normalizeText(MIXED, 'NFKC')).toBe(MIXED.replace('²', '2'));
    expect(normalizeText('你好，世界！', 'NFKC')).toBe('你好，世界！');
    expect(normalizeText('你好，世界！', 'NFKC', false)).toBe('你好,世界!');
    expect(normalizeText('e\u0301', 'NFC')).toBe('é');
  });

  it('t2s converts Traditional Han only, leaving Latin, emoji and punctuation untouched', async () => {
    const { kept } = await runCleaners([t2sCleaner()], [doc('t', '秦川雄帝宅，函谷壯皇居。Hello 😀 綺殿千尋起！')]);
    expect(kept[0].text).toBe('秦川雄帝宅，函谷壮皇居。Hello 😀 绮殿千寻起！');
    const simplified = await runCleaners([t2sCleaner()], [doc('s', '今天天气很好，我们去公园散步吧！')]);
    expect(simplified.kept[0].text).toBe('今天天气很好，我们去公园散步吧！');
  });
});

describe('whitespace', () => {
  it('removes controls, normalises line ends, collapses inner runs, keeps indentation, ZWJ and tabs inside lines as one space', () => {
    expect(cleanWhitespace('a\u0000b\r\nc   d \t\n\n\n\n  indented\u200B line\uFEFF \u2028e')).toBe(
      'ab\nc d\n\n  indented line\ne',
    );
    expect(cleanWhitespace('👩\u200D👩\u200D👧')).toBe('👩\u200D👩\u200D👧');
  });
  it('drops documents that end up empty', async () => {
    const { dropped } = await runCleaners([whitespaceCleaner()], [doc('e', ' \u0000\n\t ')]);
    expect(dropped.map((d) => d.rule)).toEqual(['whitespace']);
  });
});

describe('exact dedup', () => {
  it('drops exact and whitespace/case-variant copies, pointing at the first', async () => {
    const text = fixture('sotu-excerpts.jsonl')[0].text;
    const docs = [
      doc('a', text),
      doc('b', 'another document entirely'),
      doc('c', text),
      doc('d', `  ${text.toUpperCase()}\n`),
    ];
    const { kept, dropped } = await runCleaners([exactDedupCleaner()], docs);
    expect(kept.map((d) => d.id)).toEqual(['a', 'b']);
    expect(dropped.map((d) => [d.id, d.rule, d.duplicateOf])).toEqual([
      ['c', 'exact-dedup', 'a'],
      ['d', 'exact-dedup', 'a'],
    ]);
  });
  it('keeps every document of a distinct sample', async () => {
    const docs = [...fixture('sotu-excerpts.jsonl'), ...fixture('tang-poems.jsonl')];
    const { dropped } = await runCleaners([exactDedupCleaner()], docs);
    expect(dropped).toEqual([]);
  });
});

describe('quality rules', () => {
  const q = () => qualityCleaner();
  it('keeps real English prose and Tang poems', async () => {
    const docs = [...fixture('sotu-excerpts.jsonl'), ...fixture('tang-poems.jsonl')];
    const { dropped } = await runCleaners([q()], docs);
    expect(dropped.length / docs.length).toBeLessThan(0.03);
  });
  it('drops short, symbol-heavy, repetitive and unpunctuated text with the rule that failed', async () => {
    const prose = fixture('sotu-excerpts.jsonl')[1].text;
    const cases: Array<[string, string]> = [
      ['short', 'Too short to be a document.'],
      ['symbols', `${prose} ${'#tag '.repeat(40)}`],
      ['repeated', `${'buy cheap watches now and save. '.repeat(30)}`],
      ['lines', Array.from({ length: 30 }, () => 'Click here to subscribe to our newsletter today.').join('\n')],
      [
        'nopunct',
        prose
          .replace(/[.!?;:"']/g, '')
          .split(' ')
          .reduce((acc, w, i) => acc + (i % 8 === 7 ? '\n' : ' ') + w),
      ],
      ['cjk-short', '春眠不觉晓'],
      ['cjk-repeat', '好好学习天天向上。'.repeat(20)],
    ];
    const { dropped } = await runCleaners(
      [q()],
      cases.map(([id, text]) => doc(id, text)),
    );
    const rules = Object.fromEntries(dropped.map((d) => [d.id, d.rule]));
    expect(rules).toEqual({
      short: 'quality.too-short',
      symbols: 'quality.symbol-ratio',
      repeated: 'quality.top-ngram',
      lines: 'quality.duplicate-lines',
      nopunct: 'quality.punctuation',
      'cjk-short': 'quality.too-short',
      'cjk-repeat': 'quality.top-ngram',
    });
  });
  it('rejects unknown options by name', () => {
    expect(() => qualityCleaner({ minWord: 3 } as never)).toThrow(/unknown option 'minWord'/);
  });
});

describe('language', () => {
  it('keeps English and Chinese, drops other languages and off-script text', async () => {
    const docs = [
      doc('en', fixture('sotu-excerpts.jsonl')[2].text),
      doc('zh', '我们今天在北京召开会议，讨论了经济发展和环境保护的问题，大家都发表了自己的看法。'),
      doc('zh-classical', fixture('tang-poems.jsonl')[0].text),
      doc(
        'fr',
        "Le gouvernement a présenté aujourd'hui un nouveau projet de loi sur l'éducation et la santé publique dans les régions.",
      ),
      doc(
        'de',
        'Die Regierung hat heute einen neuen Gesetzentwurf über Bildung und öffentliche Gesundheit in den Regionen vorgestellt.',
      ),
      doc(
        'ru',
        'Правительство сегодня представило новый законопроект об образовании и здравоохранении в регионах страны.',
      ),
    ];
    const { kept, dropped } = await runCleaners([languageCleaner({ keep: ['eng', 'cmn'] })], docs);
    expect(kept.map((d) => d.id)).toEqual(['en', 'zh', 'zh-classical']);
    expect(Object.fromEntries(dropped.map((d) => [d.id, d.rule]))).toEqual({
      fr: 'language',
      de: 'language',
      ru: 'language.script',
    });
  });
});

describe('PII masking', () => {
  it('masks e-mails, phones and IPs, leaving years, ranges and amounts', () => {
    const text =
      'Write to jane.doe+news@example.co.uk or 王小明@例子.中国, call +1 (555) 123-4567, 555-123-4567 or 13800138000; ' +
      'server 192.168.1.20 and 2001:db8::8a2e:370:7334. In 1861-1865 we spent $1,234,567 at 12:30:45 on version 3.2.';
    expect(maskPii(text)).toBe(
      'Write to <EMAIL> or <EMAIL>, call <PHONE>, <PHONE> or <PHONE>; ' +
        'server <IP> and <IP>. In 1861-1865 we spent $1,234,567 at 12:30:45 on version 3.2.',
    );
  });
});
