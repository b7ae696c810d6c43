// Text that is not UTF-8 is not read silently as U+FFFD (issue 28 item 11): the sources fail naming the
// file, how many invalid byte sequences it holds and where the first is, unless invalidUtf8: 'replace'
// allows them, which reads them as U+FFFD and warns with the file and the count.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { jsonlSource, textSource } from '../src/index.js';
import { Utf8Text } from '../src/util/utf8.js';
import { collect, fakeContext } from './helpers.js';

const latin1 = (s: string) => Buffer.from(s, 'latin1');

describe('invalid UTF-8 in text sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-utf8-'));
  // "café crème" in Latin-1: two bytes (0xE9, 0xE8) that are not UTF-8.
  writeFileSync(join(dir, 'latin1.txt'), latin1('café crème\n\nsecond paragraph\n'));
  writeFileSync(join(dir, 'good.txt'), 'naïve 中文 \uFFFD stays (a real U+FFFD is valid text)\n');
  writeFileSync(join(dir, 'latin1.txt.gz'), gzipSync(latin1('déjà vu\n')));
  writeFileSync(
    join(dir, 'records.jsonl'),
    Buffer.concat([Buffer.from('{"text": "ok"}\n{"text": "'), latin1('façade'), Buffer.from('"}\n')]),
  );
  const ctx = fakeContext(mkdtempSync(join(tmpdir(), 'kiln-utf8-run-')), { root: dir });

  it('a Latin-1 file fails, naming the file, the count, the first offset and the option', async () => {
    for (const split of ['file', 'line', 'paragraph'] as const) {
      await expect(collect(textSource({ include: 'latin1.txt', split }), ctx), split).rejects.toThrow(
        "text: latin1.txt is not valid UTF-8: 2 invalid byte sequences, the first at byte 3; convert it to UTF-8 (iconv -f latin1 -t utf-8), or set invalidUtf8: 'replace' to read them as U+FFFD",
      );
    }
    await expect(collect(textSource({ include: 'latin1.txt.gz' }), ctx)).rejects.toThrow(
      /latin1\.txt\.gz is not valid UTF-8: 2 invalid byte sequences, the first at byte 1/,
    );
    await expect(collect(jsonlSource({ include: 'records.jsonl' }), ctx)).rejects.toThrow(
      /jsonl: records\.jsonl is not valid UTF-8: 1 invalid byte sequence, the first at byte 27/,
    );
  });

  it("invalidUtf8: 'replace' reads them as U+FFFD and warns with the file and the count", async () => {
    const docs = await collect(textSource({ include: 'latin1.txt', invalidUtf8: 'replace' }), ctx);
    expect(docs[0].text).toBe('caf\uFFFD cr\uFFFDme\n\nsecond paragraph\n');
    expect(ctx.logs).toContain(
      'warn: text: latin1.txt is not valid UTF-8: 2 invalid byte sequences, the first at byte 3, read as U+FFFD',
    );
  });

  it('valid UTF-8 (a U+FFFD written as text included) reads as before, with no warning', async () => {
    const before = ctx.logs.length;
    const docs = await collect(textSource({ include: 'good.txt' }), ctx);
    expect(docs[0].text).toBe('naïve 中文 \uFFFD stays (a real U+FFFD is valid text)\n');
    expect(ctx.logs.length).toBe(before);
  });

  it('counts sequences split across chunks exactly once, and an incomplete one at the end', () => {
    const text = Buffer.from('a中b€c😀d');
    for (let cut = 0; cut <= text.length; cut++) {
      const check = new Utf8Text();
      const out = check.push(text.subarray(0, cut)) + check.push(text.subarray(cut)) + check.end();
      expect(out, `cut at ${cut}`).toBe('a中b€c😀d');
      expect(check.invalid).toBe(0);
    }
    const broken = new Utf8Text();
    broken.push(Buffer.from([0x61, 0xe4, 0xb8])); // 'a' and the first two bytes of 中, then the file ends
    expect(broken.end()).toBe('\uFFFD');
    expect([broken.invalid, broken.firstAt]).toEqual([1, 1]);
  });
});
