/**
 * A caching allocator over the addon's memory: sizes rounded to the wasm
 * allocator's classes (eight per power of two), freed blocks kept on their
 * class's list and handed out again, so a training loop that allocates the
 * same shapes every step stops asking the system for memory (and paying
 * its page faults) after the first step.
 */
import { constants } from 'node:buffer';
import { sizeClass } from '@kiln/backend-wasm';
import type { Addon } from './addon.js';

export interface Block {
  memory: ArrayBuffer;
  ptr: number;
  size: number;
}

export interface NativeAllocatorStats {
  /** Bytes in live buffers (rounded to their class). */
  inUse: number;
  /** Bytes held on free lists for reuse. */
  cached: number;
  /** Blocks asked of the system so far. */
  freshBlocks: number;
}

const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;

/** Each buffer is one JS ArrayBuffer over addon memory, so at most what this Node allows one to be. */
export const MAX_BUFFER_BYTES = constants.MAX_LENGTH;

export class NativeAllocator {
  private readonly lists = new Map<number, Block[]>();
  private inUse = 0;
  private cached = 0;
  private freshBlocks = 0;

  constructor(private readonly addon: Addon) {}

  /** A block of at least `bytes`; `fresh` blocks are zero already. */
  alloc(bytes: number): Block & { fresh: boolean } {
    if (bytes > MAX_BUFFER_BYTES) {
      throw new Error(
        `@kiln/backend-native: a single buffer of ${gib(bytes)} is over this Node's ${gib(MAX_BUFFER_BYTES)} ArrayBuffer limit ` +
          `(buffer.constants.MAX_LENGTH; Node 22 raises it). Models beyond 4 GiB in total are fine: the limit is per tensor.`,
      );
    }
    const size = sizeClass(Math.max(1, bytes));
    const reused = this.lists.get(size)?.pop();
    if (reused) {
      this.cached -= size;
      this.inUse += size;
      return { ...reused, fresh: false };
    }
    let memory: ArrayBuffer;
    try {
      memory = this.addon.alloc(size);
    } catch (err) {
      // Give the cache back to the system and try once more before failing.
      this.trim();
      try {
        memory = this.addon.alloc(size);
      } catch {
        throw new Error(
          `@kiln/backend-native: out of memory: a buffer of ${gib(bytes)} cannot be allocated ` +
            `(${gib(this.inUse)} in live buffers): ${(err as Error).message}. Use a smaller batch size, context or model.`,
        );
      }
    }
    this.inUse += size;
    this.freshBlocks++;
    return { memory, ptr: this.addon.address(memory), size, fresh: true };
  }

  release(block: Block): void {
    let list = this.lists.get(block.size);
    if (!list) this.lists.set(block.size, (list = []));
    list.push(block);
    this.inUse -= block.size;
    this.cached += block.size;
  }

  /** Frees every cached block. */
  trim(): void {
    for (const list of this.lists.values()) for (const b of list) this.addon.free(b.memory);
    this.lists.clear();
    this.cached = 0;
  }

  stats(): NativeAllocatorStats {
    return { inUse: this.inUse, cached: this.cached, freshBlocks: this.freshBlocks };
  }
}
