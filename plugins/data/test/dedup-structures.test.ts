import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@kiln/core';
import { afterAll, describe, expect, it } from 'vitest';
import { Key128Index } from '../src/cleaners/key128-index.js';
import { U32MultiMap } from '../src/cleaners/u32-multimap.js';
import { U32Table } from '../src/cleaners/u32-table.js';
import { LshIndex } from '../src/index.js';
import { fmix32 } from '../src/util/hash.js';
import { IdStore } from '../src/util/id-store.js';
import { SpillFile } from '../src/util/spill-file.js';
import { ReferenceLsh } from './lsh-reference.js';

const rng = createRng(7);
const u32 = () => rng.int(0x10000) * 0x10000 + rng.int(0x10000);

// Spill files go here, so the tests can see that none stays behind.
const spillDir = mkdtempSync(join(tmpdir(), 'kiln-spill-test-'));
afterAll(() => rmSync(spillDir, { recursive: true, force: true }));

describe('U32Table', () => {
  it('matches a Map through many 25% growth steps, with keys 0 and 2³² − 1', () => {
    const t = new U32Table();
    const ref = new Map<number, number>();
    const startBytes = t.byteLength;
    for (let i = 0; i < 200_000; i++) {
      const key = i % 3 === 0 ? rng.int(5000) : i === 1 ? 0xffffffff : u32();
      const value = 1 + rng.int(0xfffffffe);
      t.set(key, value);
      ref.set(key, value);
    }
    t.set(0, 9);
    ref.set(0, 9);
    expect(t.size).toBe(ref.size);
    for (const [key, value] of ref) expect(t.get(key)).toBe(value);
    for (let i = 0; i < 10_000; i++) {
      const key = u32();
      if (!ref.has(key)) expect(t.get(key)).toBe(0);
    }
    // Load stays in [0.48, 0.6]: 13.3–16.7 bytes an entry (plus the per-shard counts).
    expect(t.byteLength / t.size).toBeLessThan(16.8);
    expect(t.byteLength / t.size).toBeGreaterThan(13.2);
    expect(startBytes).toBeLessThan(5000);
  });

  it('keeps every entry added under a repeated key', () => {
    const t = new U32Table(16);
    const ref = new Map<number, number[]>();
    for (let v = 1; v <= 50_000; v++) {
      const key = fmix32(rng.int(700)); // ~70 entries a key: long probe runs across shard growth
      t.add(key, v);
      ref.set(key, [...(ref.get(key) ?? []), v]);
    }
    for (const [key, values] of ref) {
      const got: number[] = [];
      t.forEach(key, (v) => void got.push(v));
      expect(got.sort((a, b) => a - b)).toEqual(values);
    }
    let visited = 0;
    t.forEach([...ref.keys()][0], () => ++visited === 3);
    expect(visited).toBe(3);
  });

  it('rejects a zero or non-u32 value (0 marks an empty slot)', () => {
    const t = new U32Table();
    expect(() => t.add(1, 0)).toThrow(/nonzero u32/);
    expect(() => t.add(1, 2 ** 32)).toThrow(/nonzero u32/);
    expect(() => t.add(1, 1.5)).toThrow(/nonzero u32/);
  });
});

describe('U32MultiMap', () => {
  it('lists each key’s values newest first, up to a limit, like a Map of arrays', () => {
    const m = new U32MultiMap();
    const ref = new Map<number, number[]>();
    const keys = Array.from({ length: 3000 }, u32);
    for (let value = 0; value < 120_000; value++) {
      // A few hot keys, many keys seen once or twice.
      const key = rng.int(10) === 0 ? keys[rng.int(5)] : rng.int(2) === 0 ? keys[rng.int(keys.length)] : u32();
      m.add(key, value);
      ref.set(key, [value, ...(ref.get(key) ?? [])]);
    }
    expect(m.size).toBe(120_000);
    for (const [key, values] of ref) {
      for (const limit of [Infinity, 3]) {
        const got: number[] = [];
        m.forEach(key, (v) => void got.push(v), limit);
        expect(got).toEqual(values.slice(0, limit));
      }
    }
    const firstTwo: number[] = [];
    m.forEach(keys[0], (v) => firstTwo.push(v) === 2);
    expect(firstTwo).toEqual(ref.get(keys[0])?.slice(0, 2));
  });

  it('rejects a value that cannot be stored', () => {
    expect(() => new U32MultiMap().add(1, 0xffffffff)).toThrow(/value must be/);
    expect(() => new U32MultiMap().add(1, -1)).toThrow(/value must be/);
  });
});

describe('SpillFile', () => {
  for (const onDisk of [true, false]) {
    it(`reads back what was appended, across the write buffer’s edges (${onDisk ? 'temporary file' : 'no file could be made: memory'})`, () => {
      const directory = onDisk ? spillDir : join(spillDir, 'missing', 'folder');
      const f = new SpillFile({ directory, bufferBytes: 1000 });
      const parts: Buffer[] = [];
      const offsets: number[] = [];
      for (let i = 0; i < 400; i++) {
        const part = Buffer.alloc(i % 50 === 0 ? 2500 : rng.int(300)); // some larger than the buffer
        for (let j = 0; j < part.length; j++) part[j] = rng.int(256);
        offsets.push(f.append(part));
        parts.push(part);
      }
      const all = Buffer.concat(parts);
      expect(f.length).toBe(all.length);
      expect(f.onDisk).toBe(onDisk);
      expect(readdirSync(spillDir).filter((n) => n.startsWith('kiln-spill-'))).toEqual([]); // unlinked at once
      for (let i = 0; i < parts.length; i++) {
        const got = Buffer.alloc(parts[i].length);
        f.read(offsets[i], got);
        expect(got.equals(parts[i])).toBe(true);
      }
      for (let i = 0; i < 500; i++) {
        const start = rng.int(all.length);
        const got = Buffer.alloc(rng.int(Math.min(3000, all.length - start) + 1));
        f.read(start, got);
        expect(got.equals(all.subarray(start, start + got.length))).toBe(true);
      }
      expect(() => f.read(all.length - 2, Buffer.alloc(3))).toThrow(/past the end/);
      f.close();
      expect(() => f.read(0, Buffer.alloc(1))).toThrow(/after close/);
      expect(() => f.append(Buffer.alloc(1))).toThrow(/after close/);
    });
  }
});

describe('IdStore', () => {
  it('gives back every id by number, whatever its characters, past several chunks and buffers', () => {
    const s = new IdStore({ directory: spillDir, bufferBytes: 4096 });
    const alphabet = ['a', 'Z', '-', ':', '诗', 'é', '😀', '\ud800', '\udc00', '#'];
    const ids: string[] = [];
    for (let i = 0; i < 40_000; i++) {
      const n = rng.int(i % 1000 === 0 ? 400 : 30); // a few longer than the read scratch
      let id = '';
      for (let j = 0; j < n; j++) id += alphabet[rng.int(alphabet.length)];
      ids.push(id);
      expect(s.add(id)).toBe(i);
    }
    expect(s.size).toBe(ids.length);
    for (let i = 0; i < ids.length; i++) expect(s.get(i)).toBe(ids[i]);
    expect(() => s.get(ids.length)).toThrow(/no id/);
    expect(s.byteLength / s.size).toBeLessThan(10); // 8 a string, not the string
    s.close();
  });
});

describe('Key128Index', () => {
  const key = (text: string) => createHash('sha256').update(text).digest().subarray(0, 16).toString('latin1');

  it('numbers distinct keys like a Map, also where keys share their first 32 bits', () => {
    const index = new Key128Index({ directory: spillDir });
    const ref = new Map<string, number>();
    const shared = key('shared prefix').slice(0, 4);
    for (let i = 0; i < 60_000; i++) {
      const k = i % 300 === 0 ? shared + key(`${i}`).slice(4) : key(`${rng.int(40_000)}`);
      const expected = ref.get(k) ?? -1;
      expect(index.indexOf(k)).toBe(expected);
      if (expected < 0) {
        expect(index.add(k)).toBe(ref.size);
        ref.set(k, ref.size);
      }
    }
    expect(index.size).toBe(ref.size);
    expect(index.byteLength / index.size).toBeLessThan(17);
    expect(() => index.indexOf('short')).toThrow(/16-character/);
    index.close();
  });
});

describe('LshIndex', () => {
  it('finds the same matches as in-memory buckets, on families of near-duplicates with hot buckets', () => {
    const P = 64;
    const index = new LshIndex({
      permutations: P,
      bands: 16,
      threshold: 0.7,
      maxCandidates: 4,
      spill: { directory: spillDir, bufferBytes: 1024 },
    });
    const ref = new ReferenceLsh(16, 4, 0.7, 4);
    const families = Array.from({ length: 40 }, () => Uint32Array.from({ length: P }, u32));
    let matched = 0;
    for (let d = 0; d < 8000; d++) {
      // A family member with 0–60% of its values changed: many shared bands, similarities either side of 0.7.
      const signature = Uint32Array.from(families[rng.int(families.length)]);
      const changed = rng.int(Math.round(P * 0.6) + 1);
      for (let c = 0; c < changed; c++) signature[rng.int(P)] = u32();
      const got = index.matchOrAdd(signature);
      expect(got).toEqual(ref.matchOrAdd(signature));
      if (got) matched++;
    }
    expect(matched).toBeGreaterThan(1000);
    expect(index.size).toBeGreaterThan(1000);
    index.close();
  });
});
