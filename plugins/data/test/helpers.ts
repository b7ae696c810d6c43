import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CleanerHook, Doc, Dropped, KilnContext, ResolvedConfig, SourceHook } from '@kiln/core';

/** A minimal KilnContext for unit tests (core's real one is built by its run container). */
export function fakeContext(
  root = mkdtempSync(join(tmpdir(), 'kiln-data-')),
  config: Partial<ResolvedConfig> = {},
): KilnContext & { logs: string[] } {
  const logs: string[] = [];
  const log = (level: string) => (message: string) => void logs.push(`${level}: ${message}`);
  const path = (...parts: string[]) => join(root, ...parts);
  return {
    logs,
    config: { name: 'test', runDir: root, seed: 1, backend: 'js', plugins: [], root, ...config } as ResolvedConfig,
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    runDir: {
      root,
      path,
      async writeAtomic(rel, data) {
        mkdirSync(dirname(path(rel)), { recursive: true });
        writeFileSync(path(rel) + '.tmp', data);
        renameSync(path(rel) + '.tmp', path(rel));
      },
      async writeJson(rel, value) {
        await this.writeAtomic(rel, JSON.stringify(value));
      },
      async readJson<T>(rel: string) {
        return existsSync(path(rel)) ? (JSON.parse(readFileSync(path(rel), 'utf8')) as T) : undefined;
      },
      exists: (rel) => existsSync(path(rel)),
    },
    metrics: { write() {} },
    rng: undefined as never,
    signal: new AbortController().signal,
    backend: () => Promise.reject(new Error('no backend in data tests')),
    progress: () => ({ update() {}, increment() {}, stop() {} }),
    plugin: (name) => {
      throw new Error(`no plugin ${name}`);
    },
    hooks: undefined as never,
    drop: (rule, detail, duplicateOf): Dropped => ({ dropped: true, rule, detail, duplicateOf }),
  };
}

export function isDropped(x: Doc | Dropped): x is Dropped {
  return (x as Dropped).dropped === true;
}

/** Runs docs through cleaners in stage order, as core's data stage does. */
export async function runCleaners(cleaners: CleanerHook[], docs: Doc[], ctx = fakeContext()) {
  const ordered = [...cleaners].sort((a, b) => (a.stage ?? 0) - (b.stage ?? 0));
  const kept: Doc[] = [];
  const dropped: Array<Dropped & { id: string }> = [];
  for (let doc of docs) {
    let out: Doc | Dropped = doc;
    for (const c of ordered) {
      out = await c.clean(out as Doc, ctx);
      if (isDropped(out)) break;
    }
    if (isDropped(out)) dropped.push({ ...out, id: doc.id });
    else kept.push(out);
    doc = out as Doc;
  }
  return { kept, dropped };
}

export async function collect(source: SourceHook, ctx = fakeContext()): Promise<Doc[]> {
  const out: Doc[] = [];
  for await (const d of source.read(ctx)) out.push(d);
  return out;
}

export function fixture(name: string): Doc[] {
  const file = new URL(`./fixtures/${name}`, import.meta.url);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const { id, text } = JSON.parse(l) as { id: string; text: string };
      return { id, text, origin: { source: 'fixture', file: name } };
    });
}

export const doc = (id: string, text: string): Doc => ({ id, text, origin: { source: 'test' } });
