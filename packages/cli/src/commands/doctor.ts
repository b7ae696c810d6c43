/**
 * `kiln doctor`: what this machine offers (Node, CPU, shared memory, WASM
 * SIMD and threads), every backend provider's availability and description,
 * and whether the optional backend packages are installed.
 */
import {
  createKiln,
  createMemoryLogger,
  importOptionalBackend,
  type Kiln,
  type KilnOptions,
  OPTIONAL_BACKEND_PACKAGES,
} from '@kiln/core';
import { checkMachine, type MachineReport } from './machine-checks.js';
import { checkMpi, formatMpi, type MpiReport } from './mpi-check.js';

interface BackendReport {
  name: string;
  plugin: string;
  priority: number;
  available: true | string;
  describe?: Record<string, unknown>;
}

export interface DoctorReport {
  machine: MachineReport;
  config: { file?: string; error?: string };
  backends: BackendReport[];
  packages: Record<string, 'installed' | 'not installed' | string>;
  /** Data-parallel training: the MPI library the native addon opens, and mpirun. */
  mpi: MpiReport;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The configured Kiln, or one with an empty config when the config cannot load (doctor still reports the machine). */
async function loadKiln(options: KilnOptions): Promise<{ kiln: Kiln; error?: string }> {
  try {
    return { kiln: await createKiln(options) };
  } catch (error) {
    return { kiln: await createKiln({ ...options, config: {}, overrides: [] }), error: errorText(error) };
  }
}

export async function doctor(options: KilnOptions): Promise<DoctorReport> {
  const { kiln, error } = await loadKiln({ ...options, logger: createMemoryLogger() });
  const ctx = kiln.context();
  const packages: DoctorReport['packages'] = {};
  for (const [name, pkg] of Object.entries(OPTIONAL_BACKEND_PACKAGES)) {
    try {
      packages[pkg] = (await importOptionalBackend(name)) ? 'installed' : 'not installed';
    } catch (e) {
      packages[pkg] = `installed but failed to load: ${errorText(e)}`;
    }
  }
  const backends: BackendReport[] = [];
  let entries: Awaited<ReturnType<Kiln['backendProviders']>> = [];
  try {
    entries = await kiln.backendProviders();
  } catch {
    // A broken optional package is already reported under packages.
  }
  for (const { provider, plugin, options } of entries) {
    const report: BackendReport = {
      name: provider.name,
      plugin: plugin.name,
      priority: provider.priority,
      available: 'unknown',
    };
    try {
      report.available = await provider.available(ctx, options);
      if (provider.describe) report.describe = await provider.describe(ctx, options);
    } catch (e) {
      report.available = `check failed: ${errorText(e)}`;
    }
    backends.push(report);
  }
  return {
    machine: checkMachine(),
    config: { file: kiln.config.configFile, ...(error && { error }) },
    backends,
    packages,
    mpi: await checkMpi({ ...process.env, ...options.env }),
  };
}

const yesNo = (ok: boolean) => (ok ? 'yes' : 'NO');

export function formatDoctor(report: DoctorReport): string {
  const m = report.machine;
  const lines = [
    `node              ${m.node} (${m.platform})`,
    `cpu               ${m.cpu.model}, ${m.cpu.cores} cores (${m.cpu.availableParallelism} usable)`,
    `memory            ${m.memoryGiB} GiB`,
    `SharedArrayBuffer ${yesNo(m.sharedArrayBuffer)}`,
    `wasm simd128      ${yesNo(m.wasmSimd)}`,
    `wasm threads      ${yesNo(m.wasmThreads)}`,
    `config            ${report.config.file ?? '(none found)'}${report.config.error ? `\n  error: ${report.config.error}` : ''}`,
    'backends:',
    ...report.backends.map((b) => {
      const status = b.available === true ? 'available' : `unavailable: ${b.available}`;
      const details = b.describe ? ` ${JSON.stringify(b.describe)}` : '';
      return `  ${b.name.padEnd(8)} priority ${b.priority}, ${status} [${b.plugin}]${details}`;
    }),
    'packages:',
    ...Object.entries(report.packages).map(([pkg, state]) => `  ${pkg}: ${state}`),
    `mpi               ${formatMpi(report.mpi)}`,
  ];
  return `${lines.join('\n')}\n`;
}
