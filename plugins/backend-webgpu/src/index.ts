export { WebGPUBackend, type WebGPUBackendOptions } from './backend.js';
export { type AdapterSummary, adapterName, type DeviceOptions, probeAdapter, SWIFTSHADER_ICD } from './device.js';
export { default, WEBGPU_PRIORITY } from './plugin.js';
export { bucketBytes } from './pool.js';
