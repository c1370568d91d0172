"""Second-generation training: resumable, from checkpoints small enough to commit.

usage (from tools/demo-model; PY="env -u OPENBLAS_CORETYPE nice -n 15 /usr/bin/python3"):
  first run, growing the first-generation model to the extended vocabulary:
    $PY train2.py --tokenizer TOK_DIR --ckpt ../../models/selar-demo-train/latest.pt --grow-from gen1.pt
  every later run continues where the checkpoint stopped (weights, optimizer moments, step, schedule):
    $PY train2.py --tokenizer TOK_DIR --ckpt ../../models/selar-demo-train/latest.pt
  a run may grow the model first (widen.py: same function, more capacity), e.g. hidden 288, MLP 768,
  6 heads, 3 kv heads, 6 layers; the optimizer starts afresh and the LR warms up again over --warmup:
    $PY train2.py --tokenizer TOK_DIR --ckpt ... --grow-to 288,768,6,3,6
The checkpoint holds fp32 weights and the AdamW moments in bfloat16 (about 2x the weights, ~18 MB).
It is written every --save-every steps and when the process gets SIGTERM or SIGINT, atomically.
Each run draws its data from seed + 7919 * start step, so a run is replayed exactly from its
checkpoint and log line. Curves go to CURVE (JSON lines): loss every 10 steps, and greedy
accuracy on slices of the held-out sets every --eval-every steps.
"""
import argparse
import json
import os
import signal
import time

import torch
import torch.nn.functional as F

from bpe_tokenizer import ByteBPE
from chat_format import EOT, IM_END, render_messages
from dataset import held_out_questions, sample_stream
from evaluate import extract_answer
from greedy import greedy_generate
from llama_model import ModelConfig, TinyLlama
from train import batches, lr_at
from widen import parse_shape, widen

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL_DIR = os.path.join(HERE, "../../data/eval")


def grow(tok, gen1_path):
    """The first-generation model with the extended vocabulary: ids below the old size keep their rows;
    a new merge's rows start as the mean of its two parts' rows (parts always have smaller ids)."""
    ck = torch.load(gen1_path, map_location="cpu")
    old = ck["state"]
    n_old = old["embed_tokens.weight"].shape[0]
    cfg = ModelConfig(**{**ck["config"], "vocab_size": tok.vocab_size})
    model = TinyLlama(cfg)
    state = model.state_dict()
    for k, v in old.items():
        if v.shape == state[k].shape:
            state[k] = v.clone()
    for key in ("embed_tokens.weight", "lm_head.weight"):
        w = state[key]
        w[:n_old] = old[key]
        for a, b in tok.merges[tok.n_base:]:
            w[tok.vocab[a + b]] = (w[tok.vocab[a]] + w[tok.vocab[b]]) / 2
    model.load_state_dict(state)
    return model


def save(path, model, opt, step, meta):
    """Weights in fp32, AdamW moments in bf16 (resuming tolerates the rounding; the file stays small)."""
    opt_state = opt.state_dict()
    # state_dict() shares the per-parameter dicts with the live optimizer: copy, never convert in place
    opt_state["state"] = {i: {k: (v.to(torch.bfloat16) if k in ("exp_avg", "exp_avg_sq") else v) for k, v in s.items()}
                          for i, s in opt_state["state"].items()}
    tmp = path + ".tmp"
    cpu = lambda v: v.cpu() if torch.is_tensor(v) else v  # noqa: E731
    opt_state["state"] = {i: {k: cpu(v) for k, v in s.items()} for i, s in opt_state["state"].items()}
    state = {k: v.cpu() for k, v in model.state_dict().items()}
    torch.save({"config": model.config.to_dict(), "state": state, "opt": opt_state, "step": step,
                "meta": meta}, tmp)
    os.replace(tmp, path)


def load_opt(opt, saved):
    for s in saved["state"].values():
        for k in ("exp_avg", "exp_avg_sq"):
            s[k] = s[k].float()
    opt.load_state_dict(saved)


@torch.no_grad()
def quick_eval(train_model, tok, per_depth):
    """Greedy accuracy on the first per_depth problems of each depth of the held-out sets (on the CPU)."""
    model = TinyLlama(train_model.config)
    model.load_state_dict({k: v.cpu() for k, v in train_model.state_dict().items()})
    model.eval()
    res = {}
    for name in ("heldout-plain", "heldout-stories", "handwritten"):
        path = os.path.join(EVAL_DIR, name + ".jsonl")
        if not os.path.exists(path):
            continue
        recs, seen = [], {}
        for line in open(path, encoding="utf-8"):
            r = json.loads(line)
            seen[r["steps"]] = seen.get(r["steps"], 0) + 1
            if seen[r["steps"]] <= per_depth:
                recs.append(r)
        ok = 0
        for i in range(0, len(recs), 30):
            chunk = recs[i:i + 30]
            prompts = [tok.encode(render_messages([{"role": "user", "content": r["question"]}], True)) for r in chunk]
            outs = greedy_generate(model, prompts, tok.special_ids[IM_END], tok.special_ids[EOT], 160)
            ok += sum(extract_answer(tok.decode(o)) == int(r["answer"].split("####")[-1]) for r, o in zip(chunk, outs))
        res[name] = round(ok / len(recs), 3)
    return res


def make_optimizer(model, lr):
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and "embed" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() == 2 and "embed" not in n)]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.95), eps=1e-8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--ckpt", required=True, help="resumed from when it exists, written every --save-every steps")
    ap.add_argument("--curve", default=None, help="JSON-lines log of the curves (default: next to --ckpt)")
    ap.add_argument("--grow-from", default=None, help="first run only: first-generation checkpoint to grow")
    ap.add_argument("--grow-to", default=None, help="hidden,intermediate,heads,kv_heads,layers: grow on resume")
    ap.add_argument("--seed", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--decay-start", type=int, default=20000, help="step where the LR starts its linear decay")
    ap.add_argument("--decay-steps", type=int, default=1500)
    ap.add_argument("--stop-at", type=int, default=None, help="end this run at this step (saving first)")
    ap.add_argument("--save-every", type=int, default=100)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--eval-per-depth", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu", help="cuda where a GPU is available; checkpoints stay CPU tensors")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(os.path.dirname(os.path.abspath(a.ckpt)), exist_ok=True)
    curve_path = a.curve or os.path.join(os.path.dirname(os.path.abspath(a.ckpt)), "curve.jsonl")
    tok = ByteBPE.load(os.path.join(a.tokenizer, "tokenizer.json"))
    resumed = os.path.exists(a.ckpt)
    if resumed:
        ck = torch.load(a.ckpt, map_location="cpu")
        model = TinyLlama(ModelConfig(**ck["config"]))
        model.load_state_dict(ck["state"])
        step = ck["step"]
    elif a.grow_from:
        model, step = grow(tok, a.grow_from), 0
    else:
        raise SystemExit(f"{a.ckpt} does not exist: pass --grow-from for the first run")
    assert model.config.vocab_size == tok.vocab_size, "tokenizer and checkpoint disagree"
    # Where the model last grew: the LR warms up again from there (a fresh optimizer at the peak
    # LR would throw away what the old weights know before the moments settle).
    grown_at = ck.get("meta", {}).get("grown_at") if resumed else None
    grew = False
    if a.grow_to and {k: getattr(model.config, k) for k in parse_shape(a.grow_to)} != parse_shape(a.grow_to):
        before = sum(p.numel() for p in model.parameters())
        model, grown_at, grew = widen(model, parse_shape(a.grow_to), seed=a.seed + step), step, True
        print(f"grew at step {step}: {before} -> {sum(p.numel() for p in model.parameters())} params", flush=True)
    model.to(a.device)
    opt = make_optimizer(model, a.lr)
    if resumed and "opt" in ck and not grew:
        load_opt(opt, ck["opt"])
    torch.manual_seed(a.seed + step)
    data_seed = a.seed + 7919 * step
    meta = {"seed": a.seed, "lr": a.lr, "warmup": a.warmup, "decay_start": a.decay_start,
            "decay_steps": a.decay_steps, "batch": a.batch, "grown_at": grown_at}
    print(f"{'resumed' if resumed else 'grown'} at step {step}, data seed {data_seed}, "
          f"params {sum(p.numel() for p in model.parameters())}", json.dumps(meta), flush=True)
    held_out = held_out_questions(EVAL_DIR)
    data = batches(tok, data_seed, a.batch, held_out, sample_stream(data_seed))
    stop = {"now": False}

    def on_signal(signum, frame):
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    curve = open(curve_path, "a")
    t0, run_loss, end = time.time(), None, a.decay_start + a.decay_steps
    if a.stop_at is not None:
        end = min(end, a.stop_at)
    model.train()
    while step < end and not stop["now"]:
        ids, weight = (t.to(a.device) for t in next(data))
        lr = lr_at(step, a.lr, a.warmup, a.decay_start, a.decay_steps)
        if grown_at is not None and step - grown_at < a.warmup:
            lr = min(lr, a.lr * (step - grown_at + 1) / a.warmup)
        for g in opt.param_groups:
            g["lr"] = lr
        mask = torch.ones_like(ids)
        pos = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0).expand_as(ids)
        logits, _ = model(ids[:, :-1], mask[:, :-1], pos[:, :-1])
        w = weight[:, 1:].reshape(-1)
        ce = F.cross_entropy(logits.reshape(-1, model.config.vocab_size), ids[:, 1:].reshape(-1), reduction="none")
        loss = (ce * w).sum() / w.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        run_loss = loss.item() if run_loss is None else 0.9 * run_loss + 0.1 * loss.item()
        step += 1
        if step % 10 == 0:
            rec = {"step": step, "loss": round(run_loss, 4), "lr": lr, "elapsed_s": round(time.time() - t0)}
            curve.write(json.dumps(rec) + "\n")
            curve.flush()
            print(json.dumps(rec), flush=True)
        if step % a.save_every == 0:
            save(a.ckpt, model, opt, step, meta)
        if a.eval_every and step % a.eval_every == 0:
            acc = quick_eval(model, tok, a.eval_per_depth)
            curve.write(json.dumps({"step": step, "eval": acc, "per_depth": a.eval_per_depth}) + "\n")
            curve.flush()
            print("eval", step, acc, flush=True)
    save(a.ckpt, model, opt, step, meta)
    print(f"saved step {step} to {a.ckpt} ({'signal' if stop['now'] else 'end of run'})", flush=True)


if __name__ == "__main__":
    main()
