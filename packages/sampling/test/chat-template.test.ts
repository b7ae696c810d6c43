import { describe, expect, it } from 'vitest';
import { chatml, chatTemplateFromTokenizerConfig, jinjaChatTemplate } from '../src/index.js';

const messages = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi!' },
];

// The ChatML template as Hugging Face tokenizer_config.json files carry it.
const CHATML_JINJA =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

describe('chat templates', () => {
  it('renders ChatML ending where the assistant speaks', () => {
    expect(chatml.render(messages)).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(chatml.stop).toEqual(['<|im_end|>']);
  });

  it('renders a Hugging Face Jinja template identically to the built-in one', () => {
    expect(jinjaChatTemplate(CHATML_JINJA).render(messages)).toBe(chatml.render(messages));
  });

  it('reads chat_template and its special tokens from tokenizer_config.json', () => {
    const t = chatTemplateFromTokenizerConfig({
      chat_template:
        '{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}{{ eos_token }}{% endfor %}[assistant] ',
      bos_token: '<s>',
      eos_token: { content: '</s>' },
    })!;
    expect(t.render(messages)).toBe('<s>[system] Be brief.</s>[user] Hi!</s>[assistant] ');
    expect(t.stop).toEqual(['</s>']);
    expect(chatTemplateFromTokenizerConfig({})).toBeUndefined();
    expect(() => jinjaChatTemplate('{% for %}')).toThrow(/chat_template does not parse/);
  });
});
