export { default } from './plugin.js';
export { WEBGPU_PRIORITY } from './plugin.js';
export { WebGPUBackend, type WebGPUBackendOptions } from './backend.js';
export { probeAdapter, adapterName, SWIFTSHADER_ICD, type AdapterSummary, type DeviceOptions } from './device.js';
export { bucketBytes } from './pool.js';
