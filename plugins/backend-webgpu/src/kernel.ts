/**
 * A kernel is WGSL text plus the names of its storage buffers and uniforms.
 *
 * In the text, `$name` stands for a storage buffer and `P.name` for a uniform;
 * every buffer `x` also gets the uniform `P.o_x`, its element offset (views
 * are offsets into whole bound buffers: storage bindings themselves would
 * need 256-byte-aligned offsets). Two arguments that are the same GPUBuffer
 * are bound once (WebGPU forbids overlapping writable bindings), so `$a` and
 * `$out` may turn into the same variable: the generator takes an alias map.
 */
export type ScalarType = 'u32' | 'i32' | 'f32';

export interface KernelSpec {
  name: string;
  /** Storage buffers in binding order, each an array of `type`. */
  buffers: { name: string; type: ScalarType }[];
  /** Uniform scalars, after the automatic `o_<buffer>` offsets. */
  params: { name: string; type: ScalarType }[];
  /** The shader body: helpers and one `@compute fn main`. */
  body: string;
}

/** Uniform layout shared by the recorder (writes) and the generator (declares). */
export function uniformFields(spec: KernelSpec): { name: string; type: ScalarType }[] {
  return [...spec.buffers.map((b) => ({ name: `o_${b.name}`, type: 'u32' as ScalarType })), ...spec.params];
}

/**
 * WGSL for a spec; `slots[i]` is the binding variable that buffer i uses
 * (equal slots = the same GPUBuffer).
 */
export function generateWgsl(spec: KernelSpec, slots: number[]): string {
  const fields = uniformFields(spec)
    .map((f) => `  ${f.name}: ${f.type},`)
    .join('\n');
  const decls: string[] = [];
  const declared = new Set<number>();
  spec.buffers.forEach((b, i) => {
    const slot = slots[i];
    if (declared.has(slot)) return;
    declared.add(slot);
    decls.push(`@group(0) @binding(${slot + 1}) var<storage, read_write> buf${slot}: array<${b.type}>;`);
  });
  let body = spec.body;
  // Longest names first so `$dout` is not split by `$d`.
  const order = spec.buffers.map((b, i) => ({ name: b.name, i })).sort((x, y) => y.name.length - x.name.length);
  for (const { name, i } of order) body = body.split(`$${name}`).join(`buf${slots[i]}`);
  if (body.includes('$'))
    throw new Error(
      `kernel ${spec.name}: unknown buffer reference near "${body.slice(body.indexOf('$'), body.indexOf('$') + 20)}"`,
    );
  return `struct Params {\n${fields}\n}\n@group(0) @binding(0) var<uniform> P: Params;\n${decls.join('\n')}\n${body}`;
}

/** Workgroup grid for `groups` workgroups: x at most 65535, y as needed. */
export function grid(groups: number): [number, number] {
  const x = Math.max(1, Math.min(groups, 65535));
  return [x, Math.max(1, Math.ceil(groups / x))];
}

/** WGSL for the flat workgroup index under `grid()`. */
export const GROUP_INDEX = 'let group = wid.x + wid.y * nwg.x;';
export const MAIN_ARGS =
  '@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32';
