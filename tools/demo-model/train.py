"""Trains the demo model on freshly generated problems, deterministically from a seed.

usage: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE nice -n 15 /usr/bin/python3 train.py \
         --tokenizer ../../models/selar-demo --out /tmp/selar-demo-run --decay-start N [--seed 1000]
Writes OUT/model.pt (final weights + config) and OUT/ckpt-STEP.pt along the way, logs to stdout.
Loss is on the assistant reply only (from <think> to <|im_end|>): question numbers are random and
not worth predicting. Questions of the held-out eval set are never trained on.
"""
import argparse
import json
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


def batches(tok, seed, batch_size, held_out, stream=None):
    """stream: anything yielding objects with .question, .reasoning_lines() and .answer (default: first generation)."""
    rng = random.Random(seed + 1)
    stream = problem_stream(seed, DEPTH_WEIGHTS) if stream is None else stream
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


def lr_at(step, peak, warmup, decay_start, decay_steps):
    """Warmup-stable-decay: linear warmup, constant peak, then linear decay to 5% of peak.
    The decay start need not be known in advance (see --control), so a run can be fitted
    to the CPU time actually available and still be replayed exactly with --decay-start."""
    if step < warmup:
        return peak * (step + 1) / warmup
    if decay_start is None or step < decay_start:
        return peak
    frac = min(1.0, (step - decay_start) / decay_steps)
    return peak * (1.0 - 0.95 * frac)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--decay-start", type=int, default=None, help="step at which the LR starts to decay")
    ap.add_argument("--decay-steps", type=int, default=150)
    ap.add_argument("--max-steps", type=int, default=3000, help="decay starts here at the latest")
    ap.add_argument("--control", default=None,
                    help="file; when it appears before --decay-start, decay starts at the current step (logged)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=192)
    ap.add_argument("--intermediate", type=int, default=512)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--init", default=None, help="continue from this checkpoint's weights (fresh optimizer)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    tok = ByteBPE.load(os.path.join(a.tokenizer, "tokenizer.json"))
    cfg = ModelConfig(vocab_size=tok.vocab_size, num_hidden_layers=a.layers, hidden_size=a.hidden,
                      intermediate_size=a.intermediate, num_attention_heads=a.heads,
                      num_key_value_heads=a.kv_heads, head_dim=a.hidden // a.heads)
    model = TinyLlama(cfg)
    if a.init:
        model.load_state_dict(torch.load(a.init, map_location="cpu")["state"])
    print("params", sum(p.numel() for p in model.parameters()), json.dumps(cfg.to_dict()), flush=True)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and "embed" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() == 2 and "embed" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.95), eps=1e-8)
    held_out = {p.question for p in eval_problems(100)}
    data = batches(tok, a.seed, a.batch, held_out)
    t0, tokens, run_loss = time.time(), 0, None
    decay_start = a.decay_start if a.decay_start is not None else a.max_steps
    step = 0
    while step < decay_start + a.decay_steps:
        if a.decay_start is None and a.control and step < decay_start and os.path.exists(a.control):
            decay_start = step
            print(f"control file seen: decay starts at step {step} (replay with --decay-start {step})", flush=True)
        ids, weight = next(data)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, a.lr, a.warmup, decay_start, a.decay_steps)
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
        if step % 10 == 0:
            el = time.time() - t0
            print(f"step {step} loss {run_loss:.4f} lr {opt.param_groups[0]['lr']:.2e} elapsed {el:.0f}s tok/s {tokens / el:.0f}", flush=True)
        step += 1
        if step % 250 == 0:
            torch.save({"config": cfg.to_dict(), "state": model.state_dict(), "step": step}, os.path.join(a.out, f"ckpt-{step}.pt"))
    torch.save({"config": cfg.to_dict(), "state": model.state_dict(), "step": step, "decay_start": decay_start},
               os.path.join(a.out, "model.pt"))
    print(f"done: {step} steps (decay from {decay_start}) in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
