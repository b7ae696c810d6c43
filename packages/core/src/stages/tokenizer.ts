/** The tokenizer stage: the provider named by `tokenizer.type` trains on data/clean.jsonl; saved as tokenizer/tokenizer.json. */
import { existsSync } from 'node:fs';
import { KilnError } from '../errors.js';
import { type KilnHooks, tappedItems } from '../hooks.js';
import { ownerOf } from '../hooks-facade.js';
import { guarded } from '../plugin-errors.js';
import type { ResolvedConfig } from '../types.js';
import { CLEAN_FILE } from './data.js';
import { optionsOf, type StageDriver } from './driver.js';
import { readJsonlDocs } from './jsonl-docs.js';
import { missingProvider } from './missing-provider.js';

export const TOKENIZER_FILE = 'tokenizer/tokenizer.json';

function missingTokenizer(config: ResolvedConfig, hooks: KilnHooks) {
  return missingProvider(config, 'tokenizer', {
    requested: config.tokenizer?.type,
    field: 'tokenizer.type',
    available: tappedItems<{ name: string }>(hooks.tokenizer).map((p) => p.name),
  });
}

export const tokenizerStage: StageDriver = {
  check(config, hooks) {
    if (hooks.tokenizer.call(config.tokenizer?.type)) return;
    throw missingTokenizer(config, hooks);
  },

  async run(ctx, hooks) {
    const section = ctx.config.tokenizer;
    const provider = ctx.hooks.tokenizer(section?.type);
    const clean = ctx.runDir.path(CLEAN_FILE);
    if (!existsSync(clean)) {
      throw new KilnError(
        `the tokenizer stage trains on ${clean}, which does not exist: run the data stage first (kiln prepare)`,
        {
          exitCode: 2,
        },
      );
    }
    const train = guarded(
      ownerOf(hooks.tokenizer, provider),
      'tokenizer.train',
      provider.name,
      provider.train.bind(provider),
    );
    const read = { docs: 0, chars: 0 };
    async function* counted() {
      for await (const doc of readJsonlDocs(clean, ctx.signal)) {
        read.docs++;
        read.chars += doc.text.length;
        yield doc;
      }
    }
    const tokenizer = await train(counted(), optionsOf(section, 'type'), ctx);
    const asked = (section as { vocabSize?: unknown } | undefined)?.vocabSize;
    if (typeof asked === 'number' && tokenizer.vocabSize < asked)
      // Training ran out of pairs to merge: the model's embedding rows past it are never used.
      ctx.logger.warn(
        `tokenizer: ${tokenizer.vocabSize} tokens, not the ${asked} tokenizer.vocabSize asks for: ${read.docs} documents (${read.chars} characters) hold no more pairs to merge; add text or lower tokenizer.vocabSize`,
      );
    await ctx.runDir.writeJson(TOKENIZER_FILE, tokenizer.toJSON());
    const metrics = { vocabSize: tokenizer.vocabSize };
    ctx.metrics.write({ event: 'tokenizer', ...metrics, hash: tokenizer.hash() });
    ctx.logger.info(`tokenizer: ${tokenizer.type}, ${tokenizer.vocabSize} tokens, saved to ${TOKENIZER_FILE}`);
    return { metrics, outputs: [TOKENIZER_FILE], tokenizerHash: tokenizer.hash() };
  },
};
