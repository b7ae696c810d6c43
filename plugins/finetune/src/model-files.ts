import { join } from 'node:path';
import type { Tokenizer } from '@kiln/core';
import { writeFileAtomic } from '@kiln/tensor';
import type { TrainingChatTemplate } from './chat-template.js';

/**
 * Files that make a model directory self-contained for chat: tokenizer.json,
 * tokenizer_config.json with the Jinja chat_template (what Hugging Face and
 * @kiln/sampling read), and chat-template.json naming Kiln's template.
 */
export async function writeChatFiles(
  dir: string,
  tokenizer: Tokenizer,
  template: TrainingChatTemplate,
  writer: string,
): Promise<string[]> {
  await writeFileAtomic(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer.toJSON()) + '\n');
  const eos = Object.entries(tokenizer.specialTokens).find(([, id]) => id === tokenizer.eosId)?.[0];
  await writeFileAtomic(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify(
      {
        chat_template: template.jinja,
        // Kiln's tokenizers decode losslessly: Hugging Face's clean-up would turn 'a != b' into 'a!= b'.
        clean_up_tokenization_spaces: false,
        ...(template.bosToken && { bos_token: template.bosToken }),
        eos_token: template.eosToken ?? eos,
        additional_special_tokens: template.specialTokens,
      },
      null,
      2,
    ) + '\n',
  );
  await writeFileAtomic(
    join(dir, 'chat-template.json'),
    JSON.stringify(
      {
        format: 'kiln-chat-template',
        version: 1,
        writer,
        name: template.name,
        endOfTurn: template.endOfTurn,
        tokenizerHash: tokenizer.hash(),
      },
      null,
      2,
    ) + '\n',
  );
  return ['tokenizer.json', 'tokenizer_config.json', 'chat-template.json'];
}
