/**
 * Small exchanges built on the collective contract: every rank's numbers,
 * a JSON value from one rank, and a check that every rank holds the same text.
 */
import { createHash } from 'node:crypto';
import type { Collective } from './collective.js';

/**
 * Every rank's `values` (the same count on each), indexed [rank][i]. Each rank
 * fills only its own slots of a zeroed f64 buffer before the sum, and x + 0 is
 * exactly x, so every value arrives bit for bit (but -0 as +0).
 */
export function allGatherNumbers(c: Collective, values: ArrayLike<number>): Float64Array[] {
  const n = values.length;
  const slots = new Float64Array(c.size * n);
  for (let i = 0; i < n; i++) slots[c.rank * n + i] = values[i];
  c.allReduce(slots);
  return Array.from({ length: c.size }, (_, r) => slots.subarray(r * n, (r + 1) * n));
}

/** `root`'s value on every rank (others pass anything, e.g. undefined). */
export function broadcastJson<T>(c: Collective, value: T, root = 0): T {
  if (c.size === 1) return value;
  const bytes = c.rank === root ? new TextEncoder().encode(JSON.stringify(value) ?? 'null') : new Uint8Array(0);
  const length = new Float64Array([bytes.length]);
  c.broadcast(length, root);
  const buf = c.rank === root ? bytes : new Uint8Array(length[0]);
  c.broadcast(buf, root);
  return (c.rank === root ? value : JSON.parse(new TextDecoder().decode(buf))) as T;
}

/**
 * The ranks whose `text` differs from rank 0's (empty when all agree): each
 * rank hashes its text and the hashes are gathered, so the text never travels.
 */
export function ranksThatDiffer(c: Collective, text: string): number[] {
  if (c.size === 1) return [];
  const digest = createHash('sha256').update(text).digest();
  // Six 32-bit words of the hash: exact in f64.
  const words = Array.from({ length: 6 }, (_, i) => digest.readUInt32LE(i * 4));
  const all = allGatherNumbers(c, words);
  const differ: number[] = [];
  for (let r = 1; r < c.size; r++) if (all[r].some((w, i) => w !== all[0][i])) differ.push(r);
  return differ;
}
