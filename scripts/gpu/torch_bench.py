#!/usr/bin/env python3
"""PyTorch CUDA fp32 eager on the same shapes as `check.mjs bench`, for the comparison.

GPT-2 as Hugging Face builds it (learned positions, pre-norm, tanh GELU, tied
LM head), AdamW (betas 0.9/0.95, wd 0.1), clip 1.0, loss read every step.
TF32 is off: this is the fp32 baseline.

  python3 torch_bench.py --B 4 --T 1024 --steps 10 --out torch.json
"""
import argparse, json, math, os, time

import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--B", type=int, default=4)
p.add_argument("--T", type=int, default=1024)
p.add_argument("--steps", type=int, default=10)
p.add_argument("--out")
args = p.parse_args()

if not torch.cuda.is_available():
    raise SystemExit("torch_bench: torch.cuda.is_available() is False")
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = "cuda"
V, C, L, H, NPOS = 50257, 768, 12, 12, 1024


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.c_attn, self.c_proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        self.c_fc, self.mlp_proj = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)

    def forward(self, x):
        B, T, _ = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))
        if hasattr(F, "scaled_dot_product_attention"):
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:  # torch < 2.0
            att = (q @ k.transpose(-2, -1)) / math.sqrt(C // H)
            att = att.masked_fill(torch.ones(T, T, device=x.device, dtype=torch.bool).triu(1), float("-inf"))
            y = F.softmax(att, dim=-1) @ v
        x = x + self.c_proj(y.transpose(1, 2).reshape(B, T, C))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(NPOS, C)
        self.h = nn.ModuleList(Block() for _ in range(L))
        self.ln_f = nn.LayerNorm(C)

    def forward(self, idx, targets):
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        for b in self.h:
            x = b(x)
        logits = self.ln_f(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.view(-1, V), targets.view(-1))


def matmul_rows(shapes, reps=10):
    rows = []
    for M, N, K in shapes:
        a = torch.randn(M, K, device=dev)
        for layout in ("a·bᵀ", "a·b"):
            b = torch.randn(N, K, device=dev) if layout == "a·bᵀ" else torch.randn(K, N, device=dev)
            f = (lambda: a @ b.t()) if layout == "a·bᵀ" else (lambda: a @ b)
            f(); torch.cuda.synchronize()
            t0 = time.perf_counter()
            for _ in range(reps):
                f()
            torch.cuda.synchronize()
            ms = (time.perf_counter() - t0) * 1000 / reps
            rows.append({"M": M, "N": N, "K": K, "layout": layout, "ms": ms, "gflops": 2 * M * N * K / (ms * 1e6)})
            print(f"  matmul {M}×{N}×{K} {layout}: {ms:.2f} ms, {rows[-1]['gflops']:.0f} GFLOP/s", flush=True)
    return rows


B, T = args.B, args.T
print(f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}", flush=True)
mm = matmul_rows([(4096, 4096, 4096), (B * T, 3 * C, C), (B * T, 4 * C, C), (B * T, V, C)])

torch.manual_seed(1)
model = GPT().to(dev)
opt = torch.optim.AdamW(model.parameters(), lr=6e-4, betas=(0.9, 0.95), weight_decay=0.1)
tokens = torch.randint(0, V, (B * T + 1,), device=dev)
x, y = tokens[:-1].view(B, T), tokens[1:].view(B, T)
losses, warmup = [], 2
for step in range(warmup + args.steps):
    if step == warmup:
        torch.cuda.synchronize()
        t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = model(x, y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    losses.append(loss.item())
torch.cuda.synchronize()
ms = (time.perf_counter() - t0) * 1000 / args.steps
train = {"model": "124m", "B": B, "T": T, "steps": args.steps, "msPerStep": ms, "tokensPerSecond": B * T / (ms / 1000),
         "firstLoss": losses[0], "lastLoss": losses[-1]}
print(f"  GPT-2 124m B={B} T={T}: {ms:.1f} ms/step, {train['tokensPerSecond']:.0f} tokens/s", flush=True)
if args.out:
    with open(args.out + ".tmp", "w") as f:
        json.dump({"backend": "torch", "torch": torch.__version__, "device": torch.cuda.get_device_name(0), "matmul": mm, "train": train}, f, indent=2)
    os.replace(args.out + ".tmp", args.out)
