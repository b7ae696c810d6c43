/** This package's name and version, stamped into every file a run writes (`writer`). */
import { createRequire } from 'node:module';

// From src/ and from dist/ alike, package.json is one folder up.
const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

export const CORE_VERSION: string = pkg.version;
export const WRITER = `${pkg.name}@${pkg.version}`;
