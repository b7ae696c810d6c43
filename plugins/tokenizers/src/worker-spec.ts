/**
 * How another package's worker thread rebuilds a Kiln tokenizer (the data stage's
 * shard encoder reads `tokenizer.workerSpec`): import this package's hf-import module
 * and call fromHfJson(tokenizer.json). From TypeScript sources the module is the .ts
 * file, which the worker must load through tsx.
 */
export interface WorkerSpec {
  module: string;
  exportName: string;
  arg: unknown;
}

export function workerSpecFor(json: unknown): WorkerSpec {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return { module: new URL(`./hf-import.${ext}`, import.meta.url).href, exportName: 'fromHfJson', arg: json };
}
