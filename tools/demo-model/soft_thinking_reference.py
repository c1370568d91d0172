"""An independent Soft Thinking reference in PyTorch, for checking the engine token for token.

Written from docs/api.md ("Soft Thinking: mode soft_thinking" and "The end of thinking"),
not from the TypeScript engine. Greedy, no noise, no thinking budget:

    p = softmax(logits); inside the thinking section, before the visible token, Cold Stop:
    C = -sum r ln r with r = softmax(logits) (nats); C < cold_stop_entropy counts a step,
    any other step resets the count; at cold_stop_steps the end-of-thinking ids are
    injected one per step (the count restarts). Visible token = argmax (or the injected id).
    The section opens at <think> and closes when the generated ids end with the
    end-of-thinking ids. While inside after the visible token (and the token is not a
    forced-discrete math token under discrete_tokens "math", and not injected), the next
    input is the concept token sum_j w_j E[id_j] over the max_topk most probable ids of p,
    dropping those below min_p * max p, renormalised; otherwise E[token].
    The trace's entropy is H = clamp(-sum q ln q / ln k, 0, 1) over the top_k of p.

usage: python3 soft_thinking_reference.py CHECKPOINT TOKENIZER_DIR MATH_SYMBOLS_JSON IN_JSON OUT_JSON
"""
import json
import math
import sys

import torch

from bpe_tokenizer import ByteBPE
from greedy import load_model
from selar_reference import forward_embeds


def concept_token(E, p, max_topk, min_p):
    """The concept token's ids and weights (float64) and its embedding (fp32)."""
    topv, topi = torch.topk(p.double(), max_topk)
    keep = topv >= min_p * topv[0]
    keep[0] = True
    w = torch.where(keep, topv, torch.zeros_like(topv))
    w = w / w.sum()
    rows = E[topi].double()
    return topi, w, (w.unsqueeze(1) * rows).sum(0).float()


@torch.no_grad()
def decode(model, prompt, cfg, spec, math_ids):
    E = model.embed_tokens.weight
    eos_ids = set(spec["eos_token_ids"])
    think_open, end_ids = spec["think_open"], cfg["think_end_ids"]
    n = len(prompt)
    logits, past = forward_embeds(
        model, E[torch.tensor([prompt])], torch.ones((1, n), dtype=torch.long), torch.arange(n).unsqueeze(0),
        model.empty_past(1),
    )
    inside = False
    for t in reversed(prompt):
        if t == end_ids[-1] or t == think_open:
            inside = t == think_open
            break
    low, injecting, ended = 0, 0, None
    out, trace = [], []
    k = cfg["top_k"]
    for step in range(spec["max_tokens"]):
        last = logits[0, -1]
        p = torch.softmax(last, dim=-1)
        forced = None
        if injecting:
            forced = end_ids[injecting]
            injecting = injecting + 1 if injecting + 1 < len(end_ids) else 0
        elif inside and cfg["cold_stop_entropy"] > 0:
            c = float(-(p[p > 0] * torch.log(p[p > 0])).sum())
            low = low + 1 if c < cfg["cold_stop_entropy"] else 0
            if low >= cfg["cold_stop_steps"]:
                low = 0
                forced = end_ids[0]
                injecting = 1 if len(end_ids) > 1 else 0
                ended = "cold_stop"
        token = forced if forced is not None else int(torch.argmax(last))
        topv, _ = torch.topk(p, k)
        q = topv / topv.sum()
        h = min(1.0, max(0.0, float(-(q[q > 0] * torch.log(q[q > 0])).sum() / math.log(k))))
        out.append(token)
        if token == think_open:
            inside = True
        if inside and len(out) >= len(end_ids) and out[-len(end_ids):] == end_ids:
            inside = False
            ended = ended or "model"
        if token in eos_ids or step == spec["max_tokens"] - 1:
            trace.append({"entropy": h, "soft": False})
            break
        forced_discrete = cfg["discrete_tokens"] == "math" and token in math_ids
        soft = inside and forced is None and not forced_discrete
        if soft:
            ids, w, nxt = concept_token(E, p, cfg["max_topk"], cfg["min_p"])
            trace.append({"entropy": h, "soft": True, "mix": [int(i) for i in ids[w > 0]]})
        else:
            nxt = E[token]
            trace.append({"entropy": h, "soft": False})
        n += 1
        logits, past = forward_embeds(
            model, nxt.view(1, 1, -1), torch.ones((1, n), dtype=torch.long), torch.tensor([[n - 1]]), past
        )
    return out, trace, ended


def main():
    ckpt, tok_dir, symbols_file, in_file, out_file = sys.argv[1:6]
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = load_model(ckpt)
    bpe = ByteBPE.load(f"{tok_dir}/tokenizer.json")
    math_ids = {i for s in json.load(open(symbols_file)) for i in bpe.encode(s)}
    spec = json.load(open(in_file))
    results = []
    for cfg in spec["configs"]:
        for prompt in spec["prompts"]:
            ids, trace, ended = decode(model, prompt, cfg, spec, math_ids)
            results.append({"config": cfg, "prompt": prompt, "token_ids": ids, "trace": trace, "thinking_end": ended})
    json.dump({"results": results}, open(out_file, "w"))


if __name__ == "__main__":
    main()
