/** `kiln init`: writes a commented llm.config.ts, never over an existing file. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { KilnError } from '@kiln/core';
import { writeFileAtomic } from '@kiln/tensor';
import { CONFIG_TEMPLATE } from './config-template.js';

export async function initConfig(cwd: string, file = 'llm.config.ts'): Promise<string> {
  const target = resolve(cwd, file);
  if (existsSync(target)) throw new KilnError(`${target} already exists; not overwriting it`);
  await writeFileAtomic(target, CONFIG_TEMPLATE);
  return target;
}
