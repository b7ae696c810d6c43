// The KV-cache attention with its host fallback lives in @kiln/tensor, shared with every architecture's engine.
export { runAttentionKV as attentionKV } from '@kiln/tensor';
