import type { ChatTemplateProvider } from '@kiln/core';

/** ChatML: `<|im_start|>role\ncontent<|im_end|>\n`, the reply opening with `<|im_start|>assistant\n`. */
export const CHATML: ChatTemplateProvider = {
  name: 'chatml',
  specialTokens: ['<|im_start|>', '<|im_end|>'],
  endOfTurn: '<|im_end|>',
  jinja:
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
};

/**
 * The Llama-3 layout, as Meta's Llama-3-Instruct tokenizer_config.json writes it:
 * `<|begin_of_text|>` once, then `<|start_header_id|>role<|end_header_id|>\n\n` + trimmed
 * content + `<|eot_id|>` per message.
 */
export const LLAMA3: ChatTemplateProvider = {
  name: 'llama3',
  specialTokens: ['<|begin_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'],
  endOfTurn: '<|eot_id|>',
  bosToken: '<|begin_of_text|>',
  jinja:
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + " +
    "'<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}" +
    "{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}",
};

export const BUILTIN_CHAT_TEMPLATES: readonly ChatTemplateProvider[] = [CHATML, LLAMA3];
