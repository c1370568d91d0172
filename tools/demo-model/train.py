"""Trains the demo model on freshly generated problems, deterministically from a seed.

usage: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE nice -n 15 /usr/bin/python3 train.py \
         --tokenizer ../../models/selar-demo --out /tmp/selar-demo-run [--steps 900] [--seed 1000]
Writes OUT/model.pt (final weights + config) and OUT/ckpt-STEP.pt along the way, logs to stdout.
Loss is on the assistant reply only (from <think> to <|im_end|>): question numbers are random and
not worth predicting. Questions of the held-out eval set are never trained on.
"""
import argparse
import json
import math
import os
import random
import time

import torch
import torch.nn.functional as F

from bpe_tokenizer import ByteBPE
from chat_format import EOT, SYSTEM_PROMPTS, training_text
from llama_model import ModelConfig, TinyLlama
from make_eval_sets import eval_problems
from problems import problem_stream

DEPTH_WEIGHTS = (2, 3, 3, 3)  # deeper problems carry more arithmetic per token; shallow ones anchor the format
SYSTEM_PROB = 0.15  # sometimes a system message, so served chats with one still look familiar


def batches(tok, seed, batch_size, held_out):
    rng = random.Random(seed + 1)
    stream = problem_stream(seed, DEPTH_WEIGHTS)
    pad = tok.special_ids[EOT]
    while True:
        # draw 4 batches' worth, sort by length and cut: far less padding than random batches
        rows = []
        while len(rows) < 4 * batch_size:
            p = next(stream)
            if p.question in held_out:
                continue
            system = rng.choice(SYSTEM_PROMPTS) if rng.random() < SYSTEM_PROB else None
            prompt, completion = training_text(p, system)
            a, b = tok.encode(prompt), tok.encode(completion)
            rows.append((a + b, [0] * len(a) + [1] * len(b)))
        rows.sort(key=lambda r: len(r[0]))
        groups = [rows[i * batch_size:(i + 1) * batch_size] for i in range(4)]
        rng.shuffle(groups)
        for g in groups:
            yield collate(g, pad)


def collate(rows, pad):
    """Right-pads rows to one tensor; weight marks the tokens that carry loss."""
    n = max(len(r[0]) for r in rows)
    ids = torch.full((len(rows), n), pad, dtype=torch.long)
    weight = torch.zeros(len(rows), n)
    for i, (r, w) in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        weight[i, : len(w)] = torch.tensor(w, dtype=torch.float)
    return ids, weight


def lr_at(step, total, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    frac = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=900)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=192)
    ap.add_argument("--intermediate", type=int, default=512)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    tok = ByteBPE.load(os.path.join(a.tokenizer, "tokenizer.json"))
    cfg = ModelConfig(vocab_size=tok.vocab_size, num_hidden_layers=a.layers, hidden_size=a.hidden,
                      intermediate_size=a.intermediate, num_attention_heads=a.heads,
                      num_key_value_heads=a.kv_heads, head_dim=a.hidden // a.heads)
    model = TinyLlama(cfg)
    print("params", sum(p.numel() for p in model.parameters()), json.dumps(cfg.to_dict()), flush=True)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and "embed" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() == 2 and "embed" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.95), eps=1e-8)
    held_out = {p.question for p in eval_problems(100)}
    data = batches(tok, a.seed, a.batch, held_out)
    t0, tokens, run_loss = time.time(), 0, None
    for step in range(a.steps):
        ids, weight = next(data)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, a.steps, a.lr, a.warmup)
        # right padding only: causal attention means pads after a row's end never affect it
        mask = torch.ones_like(ids)
        pos = torch.arange(ids.shape[1]).unsqueeze(0).expand_as(ids)
        logits, _ = model(ids[:, :-1], mask[:, :-1], pos[:, :-1])
        w = weight[:, 1:]
        loss = (F.cross_entropy(logits.reshape(-1, cfg.vocab_size), ids[:, 1:].reshape(-1), reduction="none") * w.reshape(-1)).sum() / w.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        tokens += ids.numel()
        run_loss = loss.item() if run_loss is None else 0.9 * run_loss + 0.1 * loss.item()
        if step % 10 == 0 or step == a.steps - 1:
            el = time.time() - t0
            print(f"step {step} loss {run_loss:.4f} lr {opt.param_groups[0]['lr']:.2e} elapsed {el:.0f}s tok/s {tokens / el:.0f}", flush=True)
        if (step + 1) % 250 == 0 and step + 1 < a.steps:
            torch.save({"config": cfg.to_dict(), "state": model.state_dict(), "step": step + 1}, os.path.join(a.out, f"ckpt-{step + 1}.pt"))
    torch.save({"config": cfg.to_dict(), "state": model.state_dict(), "step": a.steps}, os.path.join(a.out, "model.pt"))
    print(f"done in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
