import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IGNORE_INDEX } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import {
  CHAT_TEMPLATES,
  chatTemplateFromTokenizerDir,
  encodeChat,
  jinjaTrainingTemplate,
  type TrainingChatTemplate,
} from '../src/index.js';
import { byteTokenizer } from './helpers.js';

const SPECIALS = [
  '<|endoftext|>',
  '<|im_start|>',
  '<|im_end|>',
  '<|begin_of_text|>',
  '<|start_header_id|>',
  '<|end_header_id|>',
  '<|eot_id|>',
  '</s>',
  '<|user|>',
  '<|assistant|>',
  '<|system|>',
];
const ZEPHYR_CONFIG = fileURLToPath(new URL('./fixtures/zephyr-tokenizer_config.json', import.meta.url));

/** Two turns; the second reply ends in a space, which the Llama-3 template trims. */
const conversation = [
  { role: 'system', content: 'be brief' },
  { role: 'user', content: '12+30' },
  { role: 'assistant', content: '42' },
  { role: 'user', content: 'and 1+1' },
  { role: 'assistant', content: '2 ' },
];

const EXPECTED: Record<string, { text: string; prompt: string; trained: string[] }> = {
  chatml: {
    text:
      '<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\n12+30<|im_end|>\n<|im_start|>assistant\n42<|im_end|>\n' +
      '<|im_start|>user\nand 1+1<|im_end|>\n<|im_start|>assistant\n2 <|im_end|>\n',
    prompt: '<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\n12+30<|im_end|>\n<|im_start|>assistant\n',
    trained: ['42<|im_end|>', '2 <|im_end|>'],
  },
  llama3: {
    text:
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nbe brief<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n12+30<|eot_id|>' +
      '<|start_header_id|>assistant<|end_header_id|>\n\n42<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nand 1+1<|eot_id|>' +
      '<|start_header_id|>assistant<|end_header_id|>\n\n2<|eot_id|>',
    prompt:
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nbe brief<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n12+30<|eot_id|>' +
      '<|start_header_id|>assistant<|end_header_id|>\n\n',
    trained: ['42<|eot_id|>', '2<|eot_id|>'],
  },
  // Zephyr's tokenizer_config.json, whitespace rules and all (trim_blocks: a block tag's newline goes).
  tokenizer: {
    text: '<|system|>\nbe brief</s>\n<|user|>\n12+30</s>\n<|assistant|>\n42</s>\n<|user|>\nand 1+1</s>\n<|assistant|>\n2 </s>\n',
    prompt: '<|system|>\nbe brief</s>\n<|user|>\n12+30</s>\n<|assistant|>\n',
    trained: ['42</s>', '2 </s>'],
  },
};

async function templates(): Promise<Record<string, TrainingChatTemplate>> {
  const tok = await byteTokenizer(SPECIALS);
  const dir = mkdtempSync(join(tmpdir(), 'kiln-chat-'));
  copyFileSync(ZEPHYR_CONFIG, join(dir, 'tokenizer_config.json'));
  return {
    chatml: CHAT_TEMPLATES.chatml,
    llama3: CHAT_TEMPLATES.llama3,
    tokenizer: jinjaTrainingTemplate(await chatTemplateFromTokenizerDir(dir, tok)),
  };
}

/** The runs of consecutive trained label positions, decoded: what the loss is taken on. */
function trainedRuns(labels: Int32Array, decode: (ids: number[]) => string): string[] {
  const runs: number[][] = [];
  let open = false;
  for (const l of labels) {
    if (l === IGNORE_INDEX) open = false;
    else {
      if (!open) runs.push([]);
      open = true;
      runs[runs.length - 1].push(l);
    }
  }
  return runs.map(decode);
}

describe('chat templates: ChatML, Llama-3 and a tokenizer_config.json chat_template, rendered by @huggingface/jinja', () => {
  for (const name of Object.keys(EXPECTED)) {
    it(`${name}: the exact text, the generation prompt, and a loss on the assistant turns only`, async () => {
      const tok = await byteTokenizer(SPECIALS);
      const t = (await templates())[name];
      const want = EXPECTED[name];
      expect(t.render(conversation)).toBe(want.text);
      expect(t.prompt(conversation.slice(0, 2))).toBe(want.prompt);
      expect(
        t
          .pieces(conversation)
          .map((p) => p.text)
          .join(''),
      ).toBe(want.text);
      expect(
        t
          .pieces(conversation)
          .filter((p) => p.train)
          .map((p) => p.text),
      ).toEqual(want.trained);
      // Token level: the labels are exactly the assistant replies with their end-of-turn token.
      const { ids, labels } = encodeChat(conversation, t, tok);
      expect(tok.decode([...ids])).toBe(want.text);
      expect(trainedRuns(labels, (x) => tok.decode(x))).toEqual(want.trained);
      const endId = tok.specialTokens[t.endOfTurn];
      expect([...labels].filter((l) => l === endId)).toHaveLength(2);
    });
  }

  it("reads the tokenizer_config.json's bos/eos (an AddedToken object) and names the special tokens it writes", async () => {
    const t = (await templates()).tokenizer;
    expect(t.endOfTurn).toBe('</s>');
    expect([...t.specialTokens].sort()).toEqual(['</s>', '<|assistant|>', '<|system|>', '<|user|>']);
  });

  it('a template that is not Jinja, or that does not render turn by turn, fails naming it', () => {
    expect(() =>
      jinjaTrainingTemplate({ name: 'broken', jinja: '{% for m in messages %}', specialTokens: [], endOfTurn: 'x' }),
    ).toThrow(/chat template 'broken'/);
    // Puts the conversation length first: rendering more messages changes the beginning.
    const counting = jinjaTrainingTemplate({
      name: 'counting',
      jinja: '{{ messages | length }}{% for m in messages %}{{ m.content }};{% endfor %}',
      specialTokens: [],
      endOfTurn: ';',
    });
    expect(() => counting.pieces(conversation)).toThrow(/'counting': the conversation does not render incrementally/);
  });
});
