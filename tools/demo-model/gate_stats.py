"""How often SeLaR's gate fires on a checkpoint, and what it does to accuracy, at candidate tau/k.

usage: /usr/bin/python3 gate_stats.py CKPT TOKENIZER_DIR [--per-depth 10] [--taus 0.3,0.4,0.5] [--ks 2,3]
       [--json OUT]
Decodes problems from data/eval (held-out plain arithmetic and stories, and the hand-written set)
with selar_reference.decode (the PyTorch SeLaR of docs/api.md; greedy, w = 1, math tokens
discrete, scope all), once with mode off and once per (tau, k). Reports, per setting, the share of
reasoning tokens (<think> to </think>, both included) followed by a soft step, and the accuracy
with its 95% Wilson interval. The model's default is the setting with the most soft steps whose
accuracy interval still overlaps greedy's.
"""
import argparse
import json
import math
import os
import time

import torch

from bpe_tokenizer import ByteBPE
from chat_format import IM_END, THINK_CLOSE, THINK_OPEN, render_messages
from evaluate import extract_answer
from greedy import load_model
from selar_reference import decode

HERE = os.path.dirname(os.path.abspath(__file__))
SETS = ("heldout-plain", "heldout-stories", "handwritten")


def wilson(ok, n, z=1.96):
    if n == 0:
        return (0.0, 0.0)
    p = ok / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (round(c - h, 3), round(c + h, 3))


def problems(per_depth):
    out = []
    for name in SETS:
        seen = {}
        for line in open(os.path.join(HERE, "../../data/eval", name + ".jsonl"), encoding="utf-8"):
            r = json.loads(line)
            seen[r["steps"]] = seen.get(r["steps"], 0) + 1
            if seen[r["steps"]] <= per_depth:
                out.append((name, r["question"], int(r["answer"].split("####")[-1])))
    return out


def run(model, tok, probs, cfg, math_ids, eos):
    ok, soft, reasoning = 0, 0, 0
    open_id, close_id = tok.special_ids[THINK_OPEN], tok.special_ids[THINK_CLOSE]
    for _, q, gold in probs:
        prompt = tok.encode(render_messages([{"role": "user", "content": q}], True))
        ids, trace = decode(model, prompt, cfg, eos, math_ids, 160)
        ok += extract_answer(tok.decode(ids, skip_special=True)) == gold
        inside = False
        for t, tr in zip(ids, trace):
            if t == open_id:
                inside = True
            if inside:
                reasoning += 1
                soft += tr["soft"]
            if t == close_id:
                inside = False
    n = len(probs)
    return {"accuracy": round(ok / n, 3), "ci95": wilson(ok, n), "n": n,
            "soft_share_of_reasoning": round(soft / max(1, reasoning), 4), "reasoning_tokens": reasoning}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("tok_dir")
    ap.add_argument("--per-depth", type=int, default=10)
    ap.add_argument("--taus", default="0.3,0.4,0.5")
    ap.add_argument("--ks", default="2,3")
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.set_num_threads(1)
    model = load_model(a.ckpt)
    tok = ByteBPE.load(os.path.join(a.tok_dir, "tokenizer.json"))
    symbols = json.load(open(os.path.join(HERE, "../../assets/math-symbols.json")))
    math_ids = {i for s in symbols for i in tok.encode(s)}
    eos = {tok.special_ids[IM_END]}
    probs = problems(a.per_depth)
    t0 = time.time()
    base = {"mode": "off", "top_k": 3, "entropy_threshold": 0.5, "contrastive_weight": 1.0, "discrete_tokens": "math"}
    rows = [{"setting": "greedy (mode off)", **run(model, tok, probs, base, math_ids, eos)}]
    print(json.dumps(rows[-1]), flush=True)
    for k in map(int, a.ks.split(",")):
        for tau in map(float, a.taus.split(",")):
            cfg = {**base, "mode": "selar", "top_k": k, "entropy_threshold": tau}
            rows.append({"setting": f"selar tau={tau} k={k}", "tau": tau, "k": k,
                         **run(model, tok, probs, cfg, math_ids, eos)})
            print(json.dumps(rows[-1]), flush=True)
    greedy_lo = rows[0]["ci95"][0]
    fit = [r for r in rows[1:] if r["ci95"][1] >= greedy_lo and r["soft_share_of_reasoning"] >= 0.05]
    best = max(fit, key=lambda r: r["soft_share_of_reasoning"], default=None)
    print("recommended:", json.dumps(best), f"({time.time() - t0:.0f}s)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"checkpoint": a.ckpt, "problems": len(probs), "rows": rows, "recommended": best}, f, indent=2)


if __name__ == "__main__":
    main()
