/**
 * The exporter plugins (`exporter` hook: series, each writes its format under
 * export/<format>/ in the run directory):
 *
 *   plugins: [huggingface(), gguf({ type: 'q8_0' })]
 *
 * Both take the stage's model through its architecture's engine (ctx.hooks.engine),
 * which saves Hugging Face's config.json + model.safetensors, and the run's
 * tokenizer; GGUF converts through the architecture's own conversion
 * (ArchitectureProvider.gguf). The types below are the slice of @kiln/core's
 * plugin API these hooks use, written out so this package needs no dependency on the core.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GgufConversion, ModelEngine } from '@kiln/tensor';
import { exportGgufFromDir } from './gguf/from-dir.js';
import type { TensorType } from './gguf/types.js';
import { exportHuggingFace } from './huggingface.js';
import { removeLeftovers, tempName } from './leftovers.js';
import { type RunFiles, runChatTemplate, type SpecialTokens, tokenizerIds } from './run-metadata.js';

interface ExportContext {
  logger: { info(message: string, data?: Record<string, unknown>): void };
  /** Where the run's state.json names its chat model (for tokenizer_config.json's chat_template). */
  runDir: RunFiles;
  hooks: {
    loadTokenizer(dir?: string): Promise<SpecialTokens & { toJSON(): unknown }>;
    engine(model: unknown, who: string): ModelEngine;
    architecture(name: string): { gguf?: GgufConversion };
  };
}

interface ExporterPlugin {
  name: string;
  version: string;
  /** What its output depends on besides the model: its options (plain JSON). */
  cacheKey: unknown;
  exporter: {
    name: string;
    format: string;
    export(model: unknown, outDir: string, ctx: ExportContext): Promise<string[]>;
  };
}

/**
 * The model saved by its engine (config.json + model.safetensors) to a hidden temporary folder in
 * `outDir`, removed afterwards. Inside outDir, not the system tmpdir: a kill -9 leaves it where the
 * next export's removeLeftovers finds it, instead of a model-sized folder no one removes.
 */
async function withSavedModel<T>(
  engine: ModelEngine,
  outDir: string,
  ctx: ExportContext,
  use: (dir: string) => Promise<T>,
): Promise<T> {
  await mkdir(outDir, { recursive: true });
  const removed = await removeLeftovers(outDir);
  if (removed.length)
    ctx.logger.info(`removed ${removed.length} temporary files of an export that was cut short`, { outDir, removed });
  const dir = join(outDir, tempName('saved-model'));
  await mkdir(dir);
  try {
    await engine.save(dir);
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface HuggingFacePluginOptions {
  /** generation_config.json settings (temperature, top_k, top_p, ...) added to bos/eos. */
  generationConfig?: Record<string, unknown>;
}

/** model.safetensors + config.json + tokenizer.json + tokenizer_config.json + generation_config.json in export/huggingface/. */
export function huggingface(options: HuggingFacePluginOptions = {}): ExporterPlugin {
  return {
    name: 'kiln:export-huggingface',
    version: '0.1.0',
    // The export stage (and only it) reruns when these change.
    cacheKey: { ...options },
    exporter: {
      name: 'huggingface',
      format: 'huggingface',
      async export(model, outDir, ctx) {
        const who = 'kiln:export-huggingface';
        const engine = ctx.hooks.engine(model, who);
        const tok = await ctx.hooks.loadTokenizer();
        const tokenizer = tok.toJSON() as Record<string, unknown>;
        const chatTemplate = await runChatTemplate(ctx.runDir);
        const files = await withSavedModel(engine, outDir, ctx, async (dir) => {
          // Special-token ids from the tokenizer the run used, not the architecture's default guess.
          const config: Record<string, unknown> = {
            ...(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>),
            ...tokenizerIds(tok),
          };
          if (config.quantization_config !== undefined) {
            throw new Error(
              `${who}: the ${engine.architecture} model has quantized matrices (Kiln's group-wise int8/int4), which Hugging Face cannot load; export the f32 model (export.model: 'train'), GGUF q8_0 quantizes on its own`,
            );
          }
          return exportHuggingFace(outDir, {
            weights: join(dir, 'model.safetensors'),
            config,
            tokenizer,
            generationConfig: options.generationConfig,
            chatTemplate,
          });
        });
        ctx.logger.info(`exported Hugging Face layout to ${outDir}`);
        return files;
      },
    },
  };
}

export interface GgufPluginOptions {
  /** Tensor type of the matrices: 'f32', 'f16' (default) or 'q8_0'. Norms and biases stay f32. */
  type?: TensorType;
  /** File name inside export/gguf/ (default model-<type>.gguf). */
  file?: string;
}

/** A GGUF file for llama.cpp-family tools in export/gguf/. */
export function gguf(options: GgufPluginOptions = {}): ExporterPlugin {
  const type = options.type ?? 'f16';
  if (!['f32', 'f16', 'q8_0'].includes(type))
    throw new Error(`kiln:export-gguf: type must be 'f32', 'f16' or 'q8_0', got '${String(type)}'`);
  const file = options.file ?? `model-${type}.gguf`;
  return {
    name: 'kiln:export-gguf',
    version: '0.1.0',
    cacheKey: { ...options },
    exporter: {
      name: 'gguf',
      format: 'gguf',
      async export(model, outDir, ctx) {
        const engine = ctx.hooks.engine(model, 'kiln:export-gguf');
        const conversion = ctx.hooks.architecture(engine.architecture).gguf;
        if (!conversion)
          throw new Error(
            `kiln:export-gguf: architecture '${engine.architecture}' has no GGUF conversion (llama.cpp has no layout for it); export it with huggingface()`,
          );
        const tok = await ctx.hooks.loadTokenizer();
        const tokenizer = tok.toJSON();
        // bos/eos/pad from the tokenizer the run used, as huggingface() does: config.json's may be a default guess.
        const ids = tokenizerIds(tok);
        const tokenizerOptions = { bosId: ids.bos_token_id, eosId: ids.eos_token_id, padId: ids.pad_token_id };
        const out = join(outDir, file);
        const size = await withSavedModel(engine, outDir, ctx, async (dir) => {
          const tokenizerPath = join(dir, 'tokenizer.json');
          await writeFile(tokenizerPath, JSON.stringify(tokenizer));
          return exportGgufFromDir(dir, out, conversion, { type, tokenizerPath, tokenizerOptions });
        });
        ctx.logger.info(`exported GGUF (${type}, ${size} bytes) to ${out}`);
        return [file];
      },
    },
  };
}
