"""An independent SeLaR reference in PyTorch (fp32), for checking the engine token for token.

Reads prompts (token ids) and decoding configurations from a JSON file, decodes each
greedily with SeLaR exactly as docs/api.md states it — written from
the text, not from the TypeScript engine — and writes the trajectories as JSON:

    softmax(logits) = p; visible token = argmax; q = top-k of p renormalised;
    H = clamp(-sum q ln q / ln k, 0, 1); if the gate fires (mode selar and H >= tau, or
    mode soft) and the token is not a forced-discrete math token, the next input is
    e + w*H*(e - E[top1]) with e = sum q_i E[id_i]; otherwise E[token].

usage: python3 selar_reference.py CHECKPOINT TOKENIZER_DIR MATH_SYMBOLS_JSON IN_JSON OUT_JSON
"""
import json
import math
import sys

import torch

from bpe_tokenizer import ByteBPE
from greedy import load_model
from llama_model import MASK_VALUE


@torch.no_grad()
def forward_embeds(model, x, attention_mask, position_ids, past):
    """TinyLlama.forward with the embedding lookup replaced by given inputs x [B,T,H]."""
    freqs = position_ids.unsqueeze(-1).float() * model.inv_freq
    emb = torch.cat([freqs, freqs], dim=-1).unsqueeze(1)
    cos, sin = emb.cos(), emb.sin()
    t = x.shape[1]
    s = attention_mask.shape[1]
    key_pos = torch.arange(s).unsqueeze(0)
    query_pos = torch.arange(t).unsqueeze(1) + (s - t)
    allowed = (key_pos <= query_pos).unsqueeze(0) & (attention_mask.unsqueeze(1) > 0)
    mask = ((allowed.to(torch.float32) - 1.0) * -MASK_VALUE).unsqueeze(1).unsqueeze(1)
    presents = []
    for layer, (pk, pv) in zip(model.layers, past):
        x, k, v = layer(x, cos, sin, mask, pk, pv)
        presents.append((k, v))
    return model.lm_head(model.norm(x)), presents


@torch.no_grad()
def decode(model, prompt, cfg, eos_ids, math_ids, max_new_tokens):
    E = model.embed_tokens.weight
    ids = torch.tensor([prompt])
    x = E[ids]
    n = len(prompt)
    mask = torch.ones((1, n), dtype=torch.long)
    pos = torch.arange(n).unsqueeze(0)
    logits, past = forward_embeds(model, x, mask, pos, model.empty_past(1))
    out, trace = [], []
    k, tau, w = cfg["top_k"], cfg["entropy_threshold"], cfg["contrastive_weight"]
    for step in range(max_new_tokens):
        last = logits[0, -1]
        p = torch.softmax(last, dim=-1)
        token = int(torch.argmax(last))
        topv, topi = torch.topk(p, k)
        q = topv / topv.sum()
        h = float(-(q[q > 0] * torch.log(q[q > 0])).sum() / math.log(k))
        h = min(1.0, max(0.0, h))
        out.append(token)
        if token in eos_ids or step == max_new_tokens - 1:
            trace.append({"entropy": h, "soft": False})
            break
        gate = cfg["mode"] == "soft" or (cfg["mode"] == "selar" and h >= tau)
        forced = cfg["discrete_tokens"] == "math" and token in math_ids
        soft = gate and not forced
        trace.append({"entropy": h, "soft": soft})
        if soft:
            rows = E[topi]
            e = (q.unsqueeze(1) * rows).sum(0)
            nxt = e + w * h * (e - rows[0])
        else:
            nxt = E[token]
        n += 1
        mask = torch.ones((1, n), dtype=torch.long)
        logits, past = forward_embeds(model, nxt.view(1, 1, -1), mask, torch.tensor([[n - 1]]), past)
    return out, trace


def main():
    ckpt, tok_dir, symbols_file, in_file, out_file = sys.argv[1:6]
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = load_model(ckpt)
    bpe = ByteBPE.load(f"{tok_dir}/tokenizer.json")
    math_ids = sorted({i for s in json.load(open(symbols_file)) for i in bpe.encode(s)})
    spec = json.load(open(in_file))
    results = []
    for cfg in spec["configs"]:
        for prompt in spec["prompts"]:
            ids, trace = decode(model, prompt, cfg, set(spec["eos_token_ids"]), set(math_ids), spec["max_tokens"])
            results.append({"config": cfg, "prompt": prompt, "token_ids": ids, "trace": trace})
    json.dump({"math_ids": math_ids, "results": results}, open(out_file, "w"))


if __name__ == "__main__":
    main()
