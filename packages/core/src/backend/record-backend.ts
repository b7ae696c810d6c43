/**
 * config.json says which backend a run used: with `backend: 'auto'` the config alone
 * does not (webgpu on a GPU machine, else wasm), and a run's numbers depend on it.
 */
import type { Backend } from '@kiln/tensor';
import type { RunDir } from '../types.js';

export async function recordBackend(runDir: RunDir, backend: Backend): Promise<void> {
  const config = await runDir.readJson<Record<string, unknown>>('config.json');
  if (!config) return;
  await runDir.writeJson('config.json', { ...config, backendUsed: { ...backend.info } });
}
