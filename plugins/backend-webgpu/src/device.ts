/**
 * Dawn (npm `webgpu`) loading and device acquisition.
 *
 * Dawn crashes or hangs when its GPU object, adapter or device is garbage
 * collected while work is in flight, so every acquired object is also kept
 * in `keepAlive` for the life of the process.
 */
/// <reference types="@webgpu/types" />
import { existsSync, readdirSync } from 'node:fs';

/** Where Debian's chromium package puts SwiftShader's Vulkan driver (a CPU "GPU"). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface DeviceOptions {
  /** Accept a software adapter (SwiftShader). Default true; 'auto' selection passes false. */
  allowSoftware?: boolean;
  /** Extra Dawn toggles passed to `create()`, e.g. 'enable-dawn-features=...'. */
  dawnFlags?: string[];
  powerPreference?: GPUPowerPreference;
}

export interface AcquiredDevice {
  adapter: GPUAdapter;
  device: GPUDevice;
  info: AdapterSummary;
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** SwiftShader or another fallback (CPU) adapter: correct but slow. */
  software: boolean;
  features: string[];
  limits: Record<string, number>;
}

const keepAlive: unknown[] = [];
let gpuSingleton: GPU | undefined;
let loadError: string | undefined;

/** True when the machine has a GPU device node (NVIDIA, or a DRM render node for AMD/Intel). */
function hasGpuDevice(): boolean {
  if (existsSync('/dev/nvidia0') || existsSync('/dev/nvidiactl')) return true;
  try {
    return readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

/**
 * Point Vulkan at SwiftShader when the user has not chosen a driver and the
 * machine has no GPU (Mesa's lavapipe, often installed, is refused by Dawn).
 * A GPU machine keeps its own driver.
 */
function defaultEnvironment(): void {
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return;
  if (existsSync(SWIFTSHADER_ICD) && !hasGpuDevice()) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

const SYSTEM_ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

const hasJson = (dir: string) => {
  try {
    return readdirSync(dir).some((f) => f.endsWith('.json'));
  } catch {
    return false;
  }
};

/**
 * Why no adapter can come of loading Dawn, when that is known without loading it: loading Dawn
 * where Vulkan has no driver prints the loader's and Dawn's warnings (with C++ source paths)
 * straight to stderr, out of our hands. Linux only: elsewhere the drivers live where these
 * checks do not look. `backend: 'webgpu'` asked by name still loads Dawn and shows its words.
 */
function noAdapterWithoutDawn(allowSoftware: boolean): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const named = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  if (named !== undefined) {
    const files = named.split(':').filter(Boolean);
    if (!files.some((f) => existsSync(f)))
      return `no Vulkan driver: VK_ICD_FILENAMES names ${files.join(', ') || 'nothing'}, which is not there`;
  }
  if (hasGpuDevice()) return undefined;
  if (!allowSoftware) return "no GPU device (/dev/nvidia*, /dev/dri/renderD*); 'auto' uses no software adapter";
  if (named === undefined && !SYSTEM_ICD_DIRS.some(hasJson))
    return 'no Vulkan driver (install a GPU driver, or "chromium libvulkan1" for SwiftShader)';
  return undefined;
}

/** The process-wide Dawn GPU object, or undefined with `loadError` set. */
export async function loadDawn(flags: string[] = []): Promise<GPU | undefined> {
  if (gpuSingleton) return gpuSingleton;
  if (loadError) return undefined;
  defaultEnvironment();
  try {
    const webgpu = (await import('webgpu')) as unknown as {
      create(flags: string[]): GPU;
      globals: Record<string, unknown>;
    };
    // GPUBufferUsage, GPUMapMode... are Dawn's globals; install them once.
    for (const [k, v] of Object.entries(webgpu.globals)) {
      if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    }
    gpuSingleton = webgpu.create(flags);
    keepAlive.push(webgpu, gpuSingleton);
    return gpuSingleton;
  } catch (err) {
    loadError = `cannot load Dawn (npm "webgpu"): ${(err as Error).message}`;
    return undefined;
  }
}

export function dawnLoadError(): string | undefined {
  return loadError;
}

function summarize(adapter: GPUAdapter): AdapterSummary {
  const i = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const limits: Record<string, number> = {};
  for (const k in adapter.limits) limits[k] = (adapter.limits as unknown as Record<string, number>)[k];
  const software =
    Boolean(i.isFallbackAdapter) ||
    /swiftshader|llvmpipe|lavapipe|software/i.test(`${i.architecture} ${i.device} ${i.description}`);
  return {
    vendor: i.vendor,
    architecture: i.architecture,
    device: i.device,
    description: i.description,
    software,
    features: [...adapter.features].sort(),
    limits,
  };
}

/** A compact one-line name: "nvidia ampere (NVIDIA GeForce RTX 3090)" or "google swiftshader (SwiftShader driver 5.0.0)". */
export function adapterName(s: AdapterSummary): string {
  const what = [s.vendor, s.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  const detail = s.description || s.device;
  return detail ? `${what} (${detail})` : what;
}

/** The adapter alone (for availability checks and `kiln doctor`), or a reason there is none. */
export async function probeAdapter(
  opts: DeviceOptions = {},
  /** Ask Dawn even where it is known to find nothing (backend 'webgpu' by name: its own message). */
  loud = false,
): Promise<{ adapter: GPUAdapter; info: AdapterSummary } | string> {
  defaultEnvironment();
  const known = loud ? undefined : noAdapterWithoutDawn(opts.allowSoftware !== false);
  if (known) return known;
  const gpu = await loadDawn(opts.dawnFlags);
  if (!gpu) return loadError ?? 'Dawn did not load';
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) {
    return (
      `no WebGPU adapter: no Vulkan driver found (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'}; ` +
      `install a GPU driver, or "chromium libvulkan1" for SwiftShader)`
    );
  }
  keepAlive.push(adapter);
  const info = summarize(adapter);
  if (info.software && opts.allowSoftware === false) return `only a software adapter: ${adapterName(info)}`;
  return { adapter, info };
}

/** Limits we raise above WebGPU's defaults when the adapter allows. */
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
] as const;

export async function acquireDevice(opts: DeviceOptions = {}): Promise<AcquiredDevice> {
  const probe = await probeAdapter(opts, true);
  if (typeof probe === 'string') throw new Error(`kiln:backend-webgpu: ${probe}`);
  const { adapter, info } = probe;
  const requiredLimits: Record<string, number> = {};
  for (const k of WANTED_LIMITS) requiredLimits[k] = info.limits[k];
  const device = await adapter.requestDevice({ requiredLimits });
  keepAlive.push(device);
  return { adapter, device, info };
}
