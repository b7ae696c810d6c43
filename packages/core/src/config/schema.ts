/**
 * Validation of the config: top-level fields strictly (zod), each provider's
 * section by the provider's own Standard Schema. Every problem becomes one
 * line naming the file, the field path and the plugin.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { STAGES, type StandardResult, type StandardSchemaV1 } from '../types.js';
import { suggestion } from './did-you-mean.js';

const section = z.looseObject({ trainer: z.string().min(1).optional() });

export const userConfigSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[\w.-]+$/, 'letters, digits, "_", "-" and "." only')
    .optional(),
  runDir: z.string().min(1).optional(),
  seed: z.number().int().nonnegative().optional(),
  backend: z.string().min(1).optional(),
  backendOptions: z.record(z.string(), z.unknown()).optional(),
  plugins: z.array(z.unknown()).optional(),
  stages: z.array(z.enum(STAGES)).optional(),
  data: section.optional(),
  tokenizer: z.looseObject({ type: z.string().min(1).optional() }).optional(),
  encode: z.looseObject({ encoder: z.string().min(1).optional() }).optional(),
  model: z.looseObject({ architecture: z.string().min(1).optional() }).optional(),
  train: section.optional(),
  finetune: section.optional(),
  align: section.optional(),
  eval: section.optional(),
  compress: section.optional(),
  export: section.optional(),
  serve: section.optional(),
});

export const USER_CONFIG_KEYS = Object.keys(userConfigSchema.shape);

type PathItem = PropertyKey | { key: PropertyKey };

export function formatPath(path: ReadonlyArray<PathItem> | undefined): string {
  let out = '';
  for (const item of path ?? []) {
    const key = typeof item === 'object' && item !== null ? item.key : item;
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export interface ConfigProblem {
  field: string;
  message: string;
  plugin?: string;
}

/** One ConfigError listing every problem; field and plugin are the first problem's. */
export function configError(file: string | undefined, problems: ConfigProblem[], context = ''): ConfigError {
  const lines = problems.map((p) => `  ${p.field || '(root)'}: ${p.message}${p.plugin ? ` [plugin ${p.plugin}]` : ''}`);
  const where = file ?? 'config';
  return new ConfigError(`${where}: invalid config${context}:\n${lines.join('\n')}`, {
    file,
    field: problems[0]?.field,
    plugin: problems[0]?.plugin,
  });
}

/** Keys a zod object schema declares, for did-you-mean (empty for other schemas). */
export function declaredKeys(schema: unknown): string[] {
  const shape = (schema as { shape?: unknown })?.shape;
  return shape !== null && typeof shape === 'object' ? Object.keys(shape) : [];
}

/** Problems of the top-level config, with did-you-mean for unknown keys. */
export function checkUserConfig(config: unknown): ConfigProblem[] {
  const result = userConfigSchema.safeParse(config);
  if (result.success) return [];
  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = issue.path.length === 0 ? USER_CONFIG_KEYS : [];
      for (const key of issue.keys) {
        problems.push({ field: formatPath([...issue.path, key]), message: `unknown field${suggestion(key, known)}` });
      }
    } else {
      problems.push({ field: formatPath(issue.path), message: issue.message });
    }
  }
  return problems;
}

/** Unknown keys named by a Standard Schema issue (zod: `Unrecognized keys: "a", "b"`), else undefined. */
function unrecognizedKeys(message: string): string[] | undefined {
  const list = /^Unrecognized keys?: (.*)$/.exec(message)?.[1];
  return list === undefined ? undefined : [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}

/** A Standard Schema result as problems of `section`, unknown keys with a did-you-mean over the schema's keys. */
function sectionProblems(
  issues: StandardIssues,
  schema: StandardSchemaV1,
  section: string,
  plugin: string,
): ConfigProblem[] {
  const known = declaredKeys(schema);
  return issues.flatMap((issue) => {
    const path = formatPath(issue.path);
    const field = path === '' ? section : `${section}.${path}`;
    const unknown = unrecognizedKeys(issue.message);
    if (unknown === undefined) return [{ field, message: issue.message, plugin }];
    return unknown.map((key) => ({
      field: `${field}.${key}`,
      message: `unknown field${suggestion(key, known)}`,
      plugin,
    }));
  });
}

type StandardIssues = NonNullable<Extract<StandardResult<unknown>, { issues: unknown }>['issues']>;

/** Validates a provider's config section with its Standard Schema; returns the (possibly defaulted) value. */
export async function checkSection(
  schema: StandardSchemaV1,
  value: Record<string, unknown>,
  sectionName: string,
  plugin: string,
): Promise<{ value?: Record<string, unknown>; problems: ConfigProblem[] }> {
  const result = await schema['~standard'].validate(value);
  if (!result.issues) return { value: result.value as Record<string, unknown>, problems: [] };
  return { problems: sectionProblems(result.issues, schema, sectionName, plugin) };
}

/**
 * A plugin's own check of options against its schema (a model config read from
 * a checkpoint, options passed in code): the value, or a ConfigError listing
 * every problem under `section` and naming the plugin. The schema must validate synchronously.
 */
export function checkOptions<Output>(
  schema: StandardSchemaV1<unknown, Output>,
  value: unknown,
  where: { plugin: string; section: string },
): Output {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise)
    throw new TypeError(`${where.plugin}: checkOptions needs a schema that validates synchronously`);
  if (!result.issues) return result.value;
  const problems = sectionProblems(result.issues, schema, where.section, where.plugin);
  const lines = problems.map((p) => `${p.field}: ${p.message}`);
  throw new ConfigError(`${where.plugin}: ${lines.join('; ')}`, { field: problems[0]?.field, plugin: where.plugin });
}
