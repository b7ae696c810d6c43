/**
 * A Hugging Face chat template (tokenizer_config.json's `chat_template`, Jinja) as a
 * ChatTemplate, rendered with Hugging Face's own Jinja implementation, so a model
 * finetuned with a template is served with exactly that template.
 */
import { Template } from '@huggingface/jinja';
import type { ChatTemplate } from './chat.js';

export interface JinjaChatTemplateOptions {
  /** Special tokens the template may print (`{{ bos_token }}`...). */
  bosToken?: string;
  eosToken?: string;
  /** Text that ends an assistant turn (default: the eos token, when given). */
  stop?: readonly string[];
  /** More variables for the template. */
  variables?: Record<string, unknown>;
}

export function jinjaChatTemplate(source: string, options: JinjaChatTemplateOptions = {}): ChatTemplate {
  let template: Template;
  try {
    template = new Template(source);
  } catch (err) {
    throw new Error(`chat_template does not parse: ${(err as Error).message}`);
  }
  const stop = options.stop ?? (options.eosToken ? [options.eosToken] : []);
  return {
    stop,
    render(messages) {
      return template.render({
        ...options.variables,
        messages,
        add_generation_prompt: true,
        bos_token: options.bosToken ?? '',
        eos_token: options.eosToken ?? '',
      });
    },
  };
}

/** Reads `chat_template` (a string, or a list of named templates: 'default' wins) from tokenizer_config.json content. */
export function chatTemplateFromTokenizerConfig(config: Record<string, unknown>): ChatTemplate | undefined {
  let source = config.chat_template;
  if (Array.isArray(source)) source = (source.find((t) => t?.name === 'default') ?? source[0])?.template;
  if (source === undefined || source === null) return undefined;
  if (typeof source !== 'string')
    throw new Error('tokenizer_config.json: chat_template must be a string or a list of { name, template }');
  const token = (v: unknown) =>
    typeof v === 'string'
      ? v
      : typeof (v as { content?: unknown })?.content === 'string'
        ? (v as { content: string }).content
        : undefined;
  return jinjaChatTemplate(source, { bosToken: token(config.bos_token), eosToken: token(config.eos_token) });
}
