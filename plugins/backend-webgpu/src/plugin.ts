/**
 * The plugin: `backend: 'webgpu'` in a config, or 'auto' when a real GPU
 * adapter exists. SwiftShader (a CPU implementation of Vulkan) is accepted
 * when asked for by name, never chosen by 'auto' for training.
 */
import { type KilnContext, type KilnPlugin, optionsCacheKey } from '@kiln/core';
import { WebGPUBackend, type WebGPUBackendOptions } from './backend.js';
import { adapterName, probeAdapter } from './device.js';

/** Above wasm (50) and js (0), so 'auto' prefers a real GPU. */
export const WEBGPU_PRIORITY = 100;

export default function webgpu(options: WebGPUBackendOptions = {}): KilnPlugin {
  return {
    name: 'kiln:backend-webgpu',
    // Backends take part in no stage's fingerprint (the numbers agree to tolerance); declared all the same.
    cacheKey: optionsCacheKey(options),
    backend: {
      name: 'webgpu',
      priority: WEBGPU_PRIORITY,
      async available(ctx: KilnContext) {
        const auto = ctx.config.backend === 'auto';
        // Asked for by name, Dawn speaks for itself; under 'auto' a machine without a GPU hears nothing of it.
        const probe = await probeAdapter({ ...options, allowSoftware: auto ? false : options.allowSoftware }, !auto);
        return typeof probe === 'string' ? probe : true;
      },
      async create(backendOptions: Record<string, unknown>, ctx: KilnContext) {
        const be = await WebGPUBackend.create({ ...options, ...(backendOptions as WebGPUBackendOptions) });
        if (be.adapter.software) ctx.logger.warn(`webgpu: ${be.info.device} is a software adapter: correct but slow`);
        return be;
      },
      async describe() {
        const probe = await probeAdapter({ ...options, allowSoftware: true });
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
