#!/usr/bin/env python3
"""Reference for llama-cpp-check-llama.mjs (run by hand, not in CI): Hugging Face's
LlamaForCausalLM forward written out in torch (rotate-half RoPE, grouped KV heads,
SwiGLU, RMSNorm) in float64, greedy tokens. Usage: llama_reference.py <dir> <prompt ids json> <steps>
<dir> holds weights.json ({config, index: {name: {shape, offset}}}) and weights.bin (raw f32)."""
import json, sys
import numpy as np
import torch

root, prompt, steps = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
meta = json.load(open(f'{root}/weights.json'))
cfg = meta['config']
raw = np.fromfile(f'{root}/weights.bin', dtype=np.float32)
W = {k: torch.tensor(raw[v['offset'] // 4: v['offset'] // 4 + int(np.prod(v['shape']))].reshape(v['shape']), dtype=torch.float64)
     for k, v in meta['index'].items()}
E, H, KV = cfg['hidden_size'], cfg['num_attention_heads'], cfg['num_key_value_heads']
D = E // H


def rms(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + cfg['rms_norm_eps']) * w


def rotate_half(x):
    return torch.cat([-x[..., D // 2:], x[..., :D // 2]], -1)


def forward(ids):
    T = len(ids)
    x = W['model.embed_tokens.weight'][ids]
    inv = 1.0 / (cfg['rope_theta'] ** (torch.arange(0, D, 2, dtype=torch.float64) / D))
    f = torch.outer(torch.arange(T, dtype=torch.float64), inv)
    cos, sin = torch.cat([f, f], -1).cos(), torch.cat([f, f], -1).sin()
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    for layer in range(cfg['num_hidden_layers']):
        p = f'model.layers.{layer}.'
        h = rms(x, W[p + 'input_layernorm.weight'])
        q = (h @ W[p + 'self_attn.q_proj.weight'].T).view(T, H, D).transpose(0, 1)
        k = (h @ W[p + 'self_attn.k_proj.weight'].T).view(T, KV, D).transpose(0, 1)
        v = (h @ W[p + 'self_attn.v_proj.weight'].T).view(T, KV, D).transpose(0, 1)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(H // KV, 0), v.repeat_interleave(H // KV, 0)
        a = ((q @ k.transpose(1, 2)) / D ** 0.5).masked_fill(mask, float('-inf')).softmax(-1)
        x = x + (a @ v).transpose(0, 1).reshape(T, E) @ W[p + 'self_attn.o_proj.weight'].T
        h = rms(x, W[p + 'post_attention_layernorm.weight'])
        gate, up = h @ W[p + 'mlp.gate_proj.weight'].T, h @ W[p + 'mlp.up_proj.weight'].T
        x = x + (torch.nn.functional.silu(gate) * up) @ W[p + 'mlp.down_proj.weight'].T
    return rms(x, W['model.norm.weight']) @ W['lm_head.weight'].T


ids, tokens, gaps = list(prompt), [], []
for _ in range(steps):
    top = torch.topk(forward(ids)[-1], 2)
    tokens.append(int(top.indices[0]))
    gaps.append(float(top.values[0] - top.values[1]))
    ids.append(tokens[-1])
print(json.dumps({'tokens': tokens, 'gaps': gaps}))
