#!/usr/bin/python3
"""PyTorch CPU side of train.bench.ts: the same GPT-2 training step (forward, backward,
clip 1.0, AdamW) on the same shape, timed. Uses the plain-torch GPT-2 of
scripts/fixtures/gpt2_fixtures.py (HF GPT2LMHeadModel semantics).

    /usr/bin/python3 packages/tensor/bench/torch_gpt2_step.py '{"vocab_size":8192,...,"B":8,"T":128,"steps":2,"threads":1}'

Prints one JSON line: {"stepSeconds": ..., "threads": ..., "torch": ...}.
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts", "fixtures"))
import gpt2_fixtures as g  # noqa: E402

args = json.loads(sys.argv[1])
torch.set_num_threads(args["threads"])
cfg = dict(vocab_size=args["vocab_size"], n_positions=args["T"], n_embd=args["n_embd"], n_layer=args["n_layer"],
           n_head=args["n_head"], layer_norm_epsilon=1e-5)
gen = torch.Generator().manual_seed(0)
w0 = g.init_weights(cfg, gen)
names = g.param_names(cfg)
params = [w0[n].clone().requires_grad_(True) for n in names]
opt = g.make_optimizer(params, names, 3e-4, dict(beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1))
ids = torch.randint(0, cfg["vocab_size"], (args["B"], args["T"]), generator=gen)
targets = torch.randint(0, cfg["vocab_size"], (args["B"], args["T"]), generator=gen)


def step():
    opt.zero_grad(set_to_none=True)
    loss = g.loss_of(g.forward(dict(zip(names, params)), cfg, ids), targets)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    return loss.item()


step()  # warm-up
times = []
for _ in range(args["steps"]):
    t0 = time.perf_counter()
    step()
    times.append(time.perf_counter() - t0)
print(json.dumps({"stepSeconds": sum(times) / len(times), "threads": args["threads"], "torch": torch.__version__}))
