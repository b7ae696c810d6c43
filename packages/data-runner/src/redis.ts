/** Redis connections for the data queue, and the reachability check that runs before any work. */

import { KilnError } from '@kiln/core';
import { Redis } from 'ioredis';

/** The BullMQ queue every coordinator and `kiln worker` shares. */
export const DATA_QUEUE = 'kiln-data';

/** Connects and pings within a few seconds, or throws an error naming the URL. */
export async function checkRedis(url: string, what: string): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  probe.on('error', () => {}); // reported below
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new KilnError(
      `${what}: cannot reach Redis at ${url} (${(error as Error).message || String(error)}); start redis-server there or fix the URL`,
      { exitCode: 2 },
    );
  } finally {
    probe.disconnect();
  }
}

/** A connection as BullMQ wants it (commands wait for a reconnect instead of failing). */
export function redisConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}
