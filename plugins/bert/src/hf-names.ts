/**
 * Kiln keeps query|key|value fused in one Linear (one matmul, the attention
 * op's packed layout); Hugging Face files hold them apart. torch Linear weights
 * are [out, in], so fusing stacks rows (and bias entries) and splitting slices them.
 *
 *   attention.self.qkv.{weight,bias}  [3·C, C], [3·C]  ↔  attention.self.{query,key,value}.{weight,bias}
 */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

const FUSED = /^(bert\.encoder\.layer\.\d+\.attention\.self\.)qkv\.(weight|bias)$/;
const PART = /^(bert\.encoder\.layer\.\d+\.attention\.self\.)(query|key|value)\.(weight|bias)$/;
const PARTS = ['query', 'key', 'value'] as const;

/** Kiln's names → Hugging Face's (q/k/v split). */
export function toHFTensors(state: Map<string, HostTensor>): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of state) {
    const m = FUSED.exec(name);
    if (!m) {
      out.set(name, t);
      continue;
    }
    const part = t.data.length / 3;
    PARTS.forEach((p, i) => {
      const shape = t.shape.length === 2 ? [t.shape[0] / 3, t.shape[1]] : [t.shape[0] / 3];
      out.set(`${m[1]}${p}.${m[2]}`, { shape, data: t.data.slice(i * part, (i + 1) * part) });
    });
  }
  return out;
}

/** Hugging Face's names → Kiln's (q/k/v fused). A missing part is an error naming it. */
export function fromHFTensors(state: Map<string, HostTensor>, source: string): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of state) {
    const m = PART.exec(name);
    if (!m) {
      out.set(name, t);
      continue;
    }
    const key = `${m[1]}qkv.${m[3]}`;
    if (out.has(key)) continue;
    const pieces = PARTS.map((p) => {
      const piece = state.get(`${m[1]}${p}.${m[3]}`);
      if (!piece) throw new Error(`${source}: '${m[1]}${p}.${m[3]}' is missing (needed with '${name}')`);
      if (piece.data.length !== t.data.length)
        throw new Error(`${source}: '${m[1]}${p}.${m[3]}' and '${name}' differ in size`);
      return piece.data;
    });
    const data = new Float32Array(3 * t.data.length);
    pieces.forEach((p, i) => data.set(p, i * p.length));
    out.set(key, { shape: t.shape.length === 2 ? [3 * t.shape[0], t.shape[1]] : [3 * t.shape[0]], data });
  }
  return out;
}
