/**
 * The plugin: `backend: 'webgpu'` in a config, or 'auto' when a real GPU
 * adapter exists. SwiftShader (a CPU implementation of Vulkan) is accepted
 * when asked for by name, never chosen by 'auto' for training.
 */
import type { KilnContext, KilnPlugin } from '@kiln/core';
import { z } from 'zod';
import { WebGPUBackend, type WebGPUBackendOptions } from './backend.js';
import { adapterName, probeAdapter } from './device.js';

/** Above wasm (50) and js (0), so 'auto' prefers a real GPU. */
export const WEBGPU_PRIORITY = 100;

/** What it reads from the config's `backendOptions` (WebGPUBackendOptions, checked). */
const webgpuOptions = z.strictObject({
  /** Accept a software adapter (SwiftShader) when asked for by name (default true; 'auto' never does). */
  allowSoftware: z.boolean().optional(),
  /** Extra Dawn toggles, e.g. 'enable-dawn-features=...'. */
  dawnFlags: z.array(z.string()).optional(),
  powerPreference: z.enum(['low-power', 'high-performance']).optional(),
  matmulTile: z.enum(['auto', 'small', 'large', 'software']).optional(),
  /** Workgroup width of row reductions: a power of two ≤ 256. */
  reductionWidth: z
    .number()
    .int()
    .refine((n) => n >= 1 && n <= 256 && (n & (n - 1)) === 0, 'a power of two up to 256')
    .optional(),
  /** Query rows per attention workgroup. */
  queryBlock: z.number().int().min(1).optional(),
}) satisfies z.ZodType<WebGPUBackendOptions>;

export default function webgpu(): KilnPlugin {
  return {
    name: 'kiln:backend-webgpu',
    // Backends take part in no stage's fingerprint (the numbers agree to tolerance); declared all the same.
    cacheKey: {},
    backend: {
      name: 'webgpu',
      priority: WEBGPU_PRIORITY,
      options: webgpuOptions,
      async available(ctx: KilnContext, checked) {
        const options = checked as WebGPUBackendOptions;
        const auto = ctx.config.backend === 'auto';
        // Asked for by name, Dawn speaks for itself; under 'auto' a machine without a GPU hears nothing of it.
        const probe = await probeAdapter({ ...options, allowSoftware: auto ? false : options.allowSoftware }, !auto);
        return typeof probe === 'string' ? probe : true;
      },
      async create(options, ctx) {
        const be = await WebGPUBackend.create(options as WebGPUBackendOptions);
        if (be.adapter.software) ctx.logger.warn(`webgpu: ${be.info.device} is a software adapter: correct but slow`);
        return be;
      },
      async describe(_ctx, options) {
        const probe = await probeAdapter({ ...(options as WebGPUBackendOptions), allowSoftware: true });
        if (typeof probe === 'string') return { adapter: 'none', reason: probe };
        const { info } = probe;
        return {
          adapter: adapterName(info),
          software: info.software,
          usedByAuto: !info.software,
          shaderF16: info.features.includes('shader-f16'),
          maxBufferMiB: Math.round(info.limits.maxStorageBufferBindingSize / 2 ** 20),
          maxWorkgroupStorageKiB: info.limits.maxComputeWorkgroupStorageSize / 1024,
          vulkanDriver: process.env.VK_ICD_FILENAMES ?? 'system default',
        };
      },
    },
  };
}
