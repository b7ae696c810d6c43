import { Template } from '@huggingface/jinja';
import type { ChatTemplateProvider } from '@kiln/core';
import type { ChatMessage, ChatPiece, TrainingChatTemplate } from '../chat-template.js';

/**
 * A training chat template over Jinja source, rendered by Hugging Face's own
 * Jinja implementation. The loss mask follows the template without knowing its
 * layout: assistant turn k is what rendering messages[0..k] adds to the
 * generation prompt of messages[0..k), up to and including its end-of-turn token.
 */
export function jinjaTrainingTemplate(p: ChatTemplateProvider): TrainingChatTemplate {
  let template: Template;
  try {
    template = new Template(p.jinja);
  } catch (e) {
    throw new Error(`chat template '${p.name}': the Jinja does not parse (${(e as Error).message})`);
  }
  const render = (messages: readonly ChatMessage[], addGenerationPrompt: boolean): string => {
    try {
      return template.render({
        messages,
        add_generation_prompt: addGenerationPrompt,
        bos_token: p.bosToken ?? '',
        eos_token: p.eosToken ?? '',
      });
    } catch (e) {
      throw new Error(`chat template '${p.name}': rendering failed (${(e as Error).message})`);
    }
  };
  return {
    name: p.name,
    specialTokens: p.specialTokens,
    endOfTurn: p.endOfTurn,
    jinja: p.jinja,
    bosToken: p.bosToken,
    eosToken: p.eosToken,
    prompt: (messages) => render(messages, true),
    render: (messages) => render(messages, false),
    pieces(messages) {
      const full = render(messages, false);
      const pieces: ChatPiece[] = [];
      let at = 0;
      messages.forEach((m, k) => {
        if (m.role !== 'assistant') return;
        const before = render(messages.slice(0, k), true);
        const upTo = render(messages.slice(0, k + 1), false);
        if (!upTo.startsWith(before) || !full.startsWith(upTo) || before.length < at) {
          throw new Error(
            `chat template '${p.name}': the conversation does not render incrementally (messages[0..${k}) with the generation prompt is not a prefix of messages[0..${k}]), so the assistant's tokens cannot be told apart`,
          );
        }
        const turn = upTo.slice(before.length);
        const end = turn.indexOf(p.endOfTurn);
        const trained = end < 0 ? turn.length : end + p.endOfTurn.length;
        if (before.length > at) pieces.push({ text: full.slice(at, before.length), train: false });
        pieces.push({ text: turn.slice(0, trained), train: true });
        at = before.length + trained;
      });
      if (at < full.length) pieces.push({ text: full.slice(at), train: false });
      return pieces.filter((x) => x.text.length > 0);
    },
  };
}
