/**
 * Finding and loading llm.config.{ts,mts,js,mjs,cjs} with cosmiconfig.
 * TypeScript is loaded without a build step by jiti; `@kiln/core` inside the
 * config (and plugins it loads) is this very module instance, so constants
 * and classes match.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cosmiconfig, type Loader } from 'cosmiconfig';
import { createJiti, type Jiti } from 'jiti';
import { ConfigError, messageOf } from '../errors.js';
import { coreModule } from './core-module.js';

export const CONFIG_FILES = ['llm.config.ts', 'llm.config.mts', 'llm.config.js', 'llm.config.mjs', 'llm.config.cjs'];

/** A jiti instance resolving from `fromFile`'s folder, sharing this @kiln/core. */
export function createModuleLoader(fromFile: string): Jiti {
  return createJiti(fromFile, {
    virtualModules: { '@kiln/core': coreModule() },
    moduleCache: false,
  });
}

const jitiLoader: Loader = async (filepath) => createModuleLoader(filepath).import(filepath, { default: true });

export interface ConfigFileExport {
  /** Absolute path, or undefined when no config file was found. */
  file?: string;
  /** What the file default-exports (object, promise or function). */
  exported: unknown;
}

/**
 * Loads `configFile` when given (relative to cwd), else searches cwd for
 * llm.config.*; returns `{ exported: {} }` when there is none and none was asked for.
 */
export async function loadConfigFile(cwd: string, configFile?: string): Promise<ConfigFileExport> {
  const explorer = cosmiconfig('llm', {
    searchPlaces: CONFIG_FILES,
    searchStrategy: 'none',
    cache: false,
    loaders: { '.ts': jitiLoader, '.mts': jitiLoader, '.js': jitiLoader, '.mjs': jitiLoader, '.cjs': jitiLoader },
  });
  const file = configFile === undefined ? undefined : resolve(cwd, configFile);
  try {
    const result = file === undefined ? await explorer.search(cwd) : await explorer.load(file);
    if (!result) return { exported: {} };
    return { file: result.filepath, exported: result.config };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && file !== undefined) {
      throw new ConfigError(`${file}: config file not found`, { file });
    }
    // A search that failed found a file first: name it (the first of CONFIG_FILES that exists, as cosmiconfig looks).
    const failed = file ?? CONFIG_FILES.map((name) => join(cwd, name)).find((path) => existsSync(path));
    throw new ConfigError(`${failed ?? `${cwd}/llm.config.*`}: failed to load: ${messageOf(error)}`, {
      file: failed,
      cause: error,
    });
  }
}
