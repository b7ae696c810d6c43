/**
 * attentionKV on any backend: the backend's own kernel when it has one, else
 * a host fallback (the cache append runs on the device with copies, the
 * attention itself on the host over the cached prefix). The fallback reads
 * the prefix back every call, so it is slower, but still O(n) per token.
 */
import type { AttentionKVArgs, AttentionKVRowsArgs, Backend, Buf, BufView } from '../backend.js';
import { attentionKV as attentionKVHost } from '../reference/kernels/attention.js';

const bufOf = (v: BufView): Buf => ('buf' in v ? v.buf : v);
const offOf = (v: BufView): number => ('buf' in v ? v.offset : 0);
const at = (v: BufView, offset: number): BufView => ({ buf: bufOf(v), offset: offOf(v) + offset });

export async function runAttentionKV(be: Backend, a: AttentionKVArgs): Promise<void> {
  if (be.attentionKV) {
    be.attentionKV(a);
    return;
  }
  const { B, Tq, Tmax, pos, H, Hkv, D } = a;
  if (pos + Tq > Tmax) throw new Error(`attentionKV: pos ${pos} + Tq ${Tq} exceeds the cache (Tmax ${Tmax})`);
  const S = (H + 2 * Hkv) * D;
  const C = Hkv * D;
  const L = pos + Tq;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Tq; t++) {
      const src = (b * Tq + t) * S;
      const dst = (b * Tmax + pos + t) * C;
      be.copy(at(a.kCache, dst), at(a.qkv, src + H * D), C);
      be.copy(at(a.vCache, dst), at(a.qkv, src + (H + Hkv) * D), C);
    }
  }
  const qkv = (await be.read(bufOf(a.qkv), offOf(a.qkv), B * Tq * S)) as Float32Array;
  // Only the filled prefix of each batch row travels; the host kernel sees a cache of L rows.
  const k = new Float32Array(B * L * C);
  const v = new Float32Array(B * L * C);
  for (let b = 0; b < B; b++) {
    k.set((await be.read(bufOf(a.kCache), offOf(a.kCache) + b * Tmax * C, L * C)) as Float32Array, b * L * C);
    v.set((await be.read(bufOf(a.vCache), offOf(a.vCache) + b * Tmax * C, L * C)) as Float32Array, b * L * C);
  }
  const out = new Float32Array(B * Tq * H * D);
  attentionKVHost(out, k, v, qkv, { B, Tq, Tmax: L, pos, H, Hkv, D, scale: a.scale ?? 1 / Math.sqrt(D) });
  be.write(bufOf(a.out), out, offOf(a.out));
}

/**
 * attentionKVRows on any backend: its own kernel when it has one, else one
 * attentionKV per row on views of that row's cache (B = 1, Tq = 1), which every
 * backend with attentionKV (or the host fallback above) runs. `rows` and
 * `positions` are also needed on the host for that fallback.
 */
export async function runAttentionKVRows(
  be: Backend,
  a: AttentionKVRowsArgs,
  host: { rows: Int32Array; positions: Int32Array },
): Promise<void> {
  if (be.attentionKVRows) {
    be.attentionKVRows(a);
    return;
  }
  const { n, Tmax, H, Hkv, D } = a;
  const C = Tmax * Hkv * D;
  for (let i = 0; i < n; i++) {
    const r = host.rows[i];
    await runAttentionKV(be, {
      qkv: at(a.qkv, i * (H + 2 * Hkv) * D),
      kCache: at(a.kCache, r * C),
      vCache: at(a.vCache, r * C),
      out: at(a.out, i * H * D),
      B: 1,
      Tq: 1,
      Tmax,
      pos: host.positions[i],
      H,
      Hkv,
      D,
      scale: a.scale,
    });
  }
}
