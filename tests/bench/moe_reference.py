#!/usr/bin/env python3
"""The same MoE decoder as trainer/MoeTransformer.cpp, written the usual way in Python with torch: the
reference moescope-train's CPU speed is compared against (issue 6). Prints one JSON line with tokens/s.

Usage: moe_reference.py --d-model 256 --layers 4 --heads 4 --experts 8 --active 2 --ctx 256 --batch 8
                        --vocab 256 --steps 10 --threads 2
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F


class RMSNorm(torch.nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Attention(torch.nn.Module):
    def __init__(self, d, heads, ctx):
        super().__init__()
        self.heads, self.hd = heads, d // heads
        self.qkv = torch.nn.Linear(d, 3 * d, bias=False)
        self.proj = torch.nn.Linear(d, d, bias=False)
        self.qn, self.kn = RMSNorm(self.hd), RMSNorm(self.hd)
        inv = 1.0 / (10000 ** (torch.arange(0, self.hd, 2, dtype=torch.float64) / self.hd))
        ang = torch.outer(torch.arange(ctx, dtype=torch.float64), inv).float()
        self.register_buffer("cos", ang.cos())
        self.register_buffer("sin", ang.sin())

    def rope(self, x):
        t, h = x.shape[2], x.shape[-1] // 2
        c, s = self.cos[:t], self.sin[:t]
        x1, x2 = x[..., :h], x[..., h:]
        return torch.cat([x1 * c - x2 * s, x1 * s + x2 * c], -1)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, self.hd).permute(2, 0, 3, 1, 4)
        q, k = self.rope(self.qn(q)), self.rope(self.kn(k))
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.hd)
        mask = torch.ones(t, t, dtype=torch.bool).triu(1)
        y = torch.softmax(scores.masked_fill(mask, float("-inf")), -1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, d))


class MoE(torch.nn.Module):
    def __init__(self, d, e, k, h):
        super().__init__()
        self.e, self.k = e, k
        self.router = torch.nn.Linear(d, e, bias=False)
        self.w_gate = torch.nn.Parameter(torch.randn(e, d, h) * 0.02)
        self.w_up = torch.nn.Parameter(torch.randn(e, d, h) * 0.02)
        self.w_down = torch.nn.Parameter(torch.randn(e, h, d) * 0.02)

    def forward(self, x):
        logits = self.router(x)
        probs = torch.softmax(logits, -1)
        w, chosen = torch.topk(probs, self.k, -1)
        flat = chosen.reshape(-1)
        order = torch.sort(flat, stable=True).indices
        token = torch.div(order, self.k, rounding_mode="floor")
        gate = w.reshape(-1)[order].unsqueeze(1)
        counts = torch.bincount(flat, minlength=self.e).tolist()
        rows = x[token]
        pieces, start = [], 0
        for e, c in enumerate(counts):
            if c:
                r = rows[start:start + c]
                pieces.append((F.silu(r @ self.w_gate[e]) * (r @ self.w_up[e])) @ self.w_down[e])
                start += c
        out = torch.zeros_like(x).index_add_(0, token, torch.cat(pieces) * gate)
        lb = (torch.bincount(flat, minlength=self.e).float() * probs.mean(0)).sum() * self.e / (x.shape[0] * self.k)
        z = torch.logsumexp(logits, -1).pow(2).mean()
        return out, lb, z


class Model(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        d = a.d_model
        self.embed = torch.nn.Embedding(a.vocab, d)
        self.blocks = torch.nn.ModuleList()
        for _ in range(a.layers):
            blk = torch.nn.Module()
            blk.n1, blk.attn, blk.n2 = RMSNorm(d), Attention(d, a.heads, a.ctx), RMSNorm(d)
            blk.moe = MoE(d, a.experts, a.active, 4 * d)
            self.blocks.append(blk)
        self.norm = RMSNorm(d)
        self.head = torch.nn.Linear(d, a.vocab, bias=False)

    def forward(self, tokens):
        x = self.embed(tokens)
        lbs, zs = [], []
        for blk in self.blocks:
            x = x + blk.attn(blk.n1(x))
            f, lb, z = blk.moe(blk.n2(x).reshape(-1, x.shape[-1]))
            x = x + f.view_as(x)
            lbs.append(lb)
            zs.append(z)
        return self.head(self.norm(x)), torch.stack(lbs).mean(), torch.stack(zs).mean()


def main():
    p = argparse.ArgumentParser()
    for name, default in [("d-model", 256), ("layers", 4), ("heads", 4), ("experts", 8), ("active", 2), ("ctx", 256),
                          ("batch", 8), ("vocab", 256), ("steps", 10), ("threads", 2)]:
        p.add_argument("--" + name, type=int, default=default)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = Model(a)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), eps=1e-8, weight_decay=1e-5)
    data = torch.randint(0, a.vocab, (1 << 20,))

    def step(i):
        g = torch.Generator().manual_seed(i)
        off = torch.randint(0, data.numel() - a.ctx - 1, (a.batch,), generator=g)
        x = torch.stack([data[o:o + a.ctx] for o in off.tolist()])
        y = torch.stack([data[o + 1:o + a.ctx + 1] for o in off.tolist()])
        opt.zero_grad()
        logits, lb, z = model(x)
        loss = F.cross_entropy(logits.reshape(-1, a.vocab), y.reshape(-1)) + 0.01 * lb + 0.001 * z
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for i in range(2):
        step(i)
    t = time.perf_counter()
    for i in range(a.steps):
        step(i)
    elapsed = time.perf_counter() - t
    print(json.dumps({"tokens_per_s": a.steps * a.batch * a.ctx / elapsed, "seconds": elapsed}))


if __name__ == "__main__":
    main()
