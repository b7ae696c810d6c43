/**
 * Records dispatches into one command encoder and submits them together.
 *
 * Each dispatch's uniforms go into a slot of a host-side arena; at flush the
 * arena is uploaded with one queue.writeBuffer, then the commands are
 * submitted (queue order guarantees the upload lands first). A flush happens
 * only when the host needs data (read, sync, an upload that cannot wait) or
 * the arena is full, so a training step is one or a few submissions.
 */
import { generateWgsl, type KernelSpec, uniformFields } from './kernel.js';

/** A bound storage buffer and its element offset. */
export interface Binding {
  buffer: GPUBuffer;
  offset: number;
}

const ARENA_SLOTS = 2048;

export class Recorder {
  private encoder: GPUCommandEncoder | undefined;
  private pass: GPUComputePassEncoder | undefined;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts = new Map<number, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();
  private readonly slotBytes: number;
  private readonly arenaHost: ArrayBuffer;
  private readonly arenaU32: Uint32Array;
  private readonly arenaI32: Int32Array;
  private readonly arenaF32: Float32Array;
  private readonly arena: GPUBuffer;
  private slot = 0;
  /** Callbacks run right after the next submit (returning upload buffers to their pool). */
  private afterSubmit: (() => void)[] = [];
  /** Counters for tests and benchmarks. */
  stats = { dispatches: 0, submits: 0, pipelines: 0 };

  /**
   * @param overrides pipeline-overridable constants (e.g. RWG, the reduction
   * width), applied to every shader that declares them.
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly overrides: Record<string, number> = {},
  ) {
    this.slotBytes = Math.max(256, device.limits.minUniformBufferOffsetAlignment);
    this.arenaHost = new ArrayBuffer(this.slotBytes * ARENA_SLOTS);
    this.arenaU32 = new Uint32Array(this.arenaHost);
    this.arenaI32 = new Int32Array(this.arenaHost);
    this.arenaF32 = new Float32Array(this.arenaHost);
    this.arena = device.createBuffer({
      size: this.arenaHost.byteLength,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label: 'kiln-uniform-arena',
    });
  }

  /** True when commands are waiting to be submitted. */
  get pending(): boolean {
    return this.encoder !== undefined;
  }

  private layoutFor(nBuffers: number) {
    let l = this.layouts.get(nBuffers);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      ];
      for (let i = 0; i < nBuffers; i++) {
        entries.push({ binding: i + 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } });
      }
      const group = this.device.createBindGroupLayout({ entries });
      l = { group, pipeline: this.device.createPipelineLayout({ bindGroupLayouts: [group] }) };
      this.layouts.set(nBuffers, l);
    }
    return l;
  }

  private pipelineFor(spec: KernelSpec, variant: string, slots: number[], nDistinct: number): GPUComputePipeline {
    const key = `${spec.name}|${variant}|${slots.join(',')}`;
    let p = this.pipelines.get(key);
    if (!p) {
      const code = generateWgsl(spec, slots);
      const module = this.device.createShaderModule({ code, label: spec.name });
      const constants: Record<string, number> = {};
      for (const [k, v] of Object.entries(this.overrides)) if (code.includes(`override ${k}:`)) constants[k] = v;
      p = this.device.createComputePipeline({
        layout: this.layoutFor(nDistinct).pipeline,
        compute: { module, entryPoint: 'main', constants },
        label: key,
      });
      this.pipelines.set(key, p);
      this.stats.pipelines++;
    }
    return p;
  }

  /**
   * Record one dispatch. `spec` must be the same object for the same
   * `variant` (specs built from constants are cached by their makers).
   */
  dispatch(
    spec: KernelSpec,
    variant: string,
    buffers: Binding[],
    params: Record<string, number>,
    groups: [number, number?, number?],
  ): void {
    if (this.slot === ARENA_SLOTS) this.flush();
    // Same GPUBuffer → same binding slot.
    const distinct: GPUBuffer[] = [];
    const slots = buffers.map((b) => {
      let i = distinct.indexOf(b.buffer);
      if (i < 0) i = distinct.push(b.buffer) - 1;
      return i;
    });
    const pipeline = this.pipelineFor(spec, variant, slots, distinct.length);

    const base = (this.slot * this.slotBytes) / 4;
    uniformFields(spec).forEach((f, i) => {
      const v = i < buffers.length ? buffers[i].offset : params[f.name];
      if (v === undefined || Number.isNaN(v)) throw new Error(`kernel ${spec.name}: missing uniform ${f.name}`);
      if (f.type === 'f32') this.arenaF32[base + i] = v;
      else if (f.type === 'i32') this.arenaI32[base + i] = v;
      else this.arenaU32[base + i] = v;
    });
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.arena, offset: this.slot * this.slotBytes, size: this.slotBytes } },
    ];
    distinct.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
    const bindGroup = this.device.createBindGroup({ layout: this.layoutFor(distinct.length).group, entries });
    this.slot++;

    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    this.stats.dispatches++;
  }

  private computePass(): GPUComputePassEncoder {
    if (!this.pass) {
      this.encoder ??= this.device.createCommandEncoder();
      this.pass = this.encoder.beginComputePass();
    }
    return this.pass;
  }

  /** The encoder with no compute pass open, for copies. */
  copyEncoder(): GPUCommandEncoder {
    this.pass?.end();
    this.pass = undefined;
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  /** Run `fn` after the commands recorded so far are submitted. */
  onSubmit(fn: () => void): void {
    this.afterSubmit.push(fn);
  }

  flush(): void {
    if (this.encoder) {
      this.pass?.end();
      this.pass = undefined;
      if (this.slot > 0) this.device.queue.writeBuffer(this.arena, 0, this.arenaHost, 0, this.slot * this.slotBytes);
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = undefined;
      this.stats.submits++;
    }
    this.slot = 0;
    const after = this.afterSubmit;
    this.afterSubmit = [];
    for (const fn of after) fn();
  }
}
