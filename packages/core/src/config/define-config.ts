/**
 * `defineConfig`: an identity function whose only job is types (as in Vite).
 * A config file default-exports an object, a promise of one, or a function of
 * the environment (the command, the machine, env variables).
 */
import { availableParallelism, totalmem } from 'node:os';
import type { Awaitable, ConfigEnv, UserConfig } from '../types.js';

export type UserConfigFn = (env: ConfigEnv) => Awaitable<UserConfig>;
export type UserConfigExport = UserConfig | Promise<UserConfig> | UserConfigFn;

export function defineConfig(config: UserConfig): UserConfig;
export function defineConfig(config: Promise<UserConfig>): Promise<UserConfig>;
export function defineConfig(config: UserConfigFn): UserConfigFn;
export function defineConfig(config: UserConfigExport): UserConfigExport {
  return config;
}

/** The environment a config function receives. */
export function createConfigEnv(command: string, env: Record<string, string | undefined> = process.env): ConfigEnv {
  return {
    command,
    mode: env.NODE_ENV ?? 'development',
    machine: {
      cpus: availableParallelism(),
      platform: process.platform,
      arch: process.arch,
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    },
    env,
  };
}
