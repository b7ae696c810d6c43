/**
 * Seeded, serialisable random numbers: xoshiro128** (Blackman & Vigna), seeded
 * through splitmix32 so nearby seeds give unrelated streams. The whole state is
 * five u32 numbers (seed + four state words), so a checkpoint resumes exactly.
 *
 * The one RNG of the repository: @kiln/core re-exports this `Rng` type and
 * `createRng`, and ctx.rng is one of these.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal. */
  normal(): number;
  state(): number[];
  restore(state: number[]): void;
  /** An independent stream derived from this seed and a label. */
  fork(label: string): Rng;
}

/** FNV-1a over the UTF-16 code units of a string, as a u32. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Reduce any finite number (including big or fractional seeds) to a u32. */
function seedToU32(seed: number): number {
  if (!Number.isFinite(seed)) throw new Error(`createRng: seed must be a finite number, got ${seed}`);
  if (Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff) return seed >>> 0;
  return hashString(String(seed));
}

function splitmix32(x: number): [number, number] {
  x = (x + 0x9e3779b9) >>> 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [x, (z ^ (z >>> 16)) >>> 0];
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

class Xoshiro128 implements Rng {
  private s = new Uint32Array(4);

  constructor(private seed: number) {
    let x = seed;
    for (let i = 0; i < 4; i++) {
      const [nx, out] = splitmix32(x);
      x = nx;
      this.s[i] = out;
    }
    // An all-zero state would be stuck at zero forever.
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Next raw u32. */
  private u32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  next(): number {
    // 53 random bits, like Math.random's resolution.
    const hi = this.u32() >>> 5; // 27 bits
    const lo = this.u32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`rng.int(n): n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  normal(): number {
    // Box-Muller; the second value is dropped so the state stays five words.
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  state(): number[] {
    return [this.seed, this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  restore(state: number[]): void {
    if (
      !Array.isArray(state) ||
      state.length !== 5 ||
      state.some((x) => !Number.isInteger(x) || x < 0 || x > 0xffffffff)
    ) {
      throw new Error(`rng.restore: expected the 5 u32 numbers that state() returns, got ${JSON.stringify(state)}`);
    }
    this.seed = state[0];
    for (let i = 0; i < 4; i++) this.s[i] = state[i + 1];
  }

  fork(label: string): Rng {
    return new Xoshiro128((hashString(label) ^ Math.imul(this.seed, 0x9e3779b1)) >>> 0);
  }
}

/** A seeded random number generator (xoshiro128**). */
export function createRng(seed: number): Rng {
  return new Xoshiro128(seedToU32(seed));
}
