"""Growing a trained TinyLlama without changing what it computes (Net2Net-style, zero-initialised
outputs): wider residual stream, more attention heads (same head size), a wider MLP, more layers.

Every new weight that *reads* new units is small and random, every new weight that *writes* into
the residual stream (o_proj, down_proj rows and columns for new units, the embedding's new columns)
is zero, and each RMSNorm gain (and eps) is rescaled for the zeros it now averages over. So the grown model's
logits equal the old ones (up to rounding) at the first step, and gradients reach every new weight
from the second. New layers are appended as identities (their o_proj and down_proj are zero).
Grouped-query attention keeps its groups: query head i reads kv head i // (heads / kv_heads), so old
heads keep their kv heads when both counts grow by the same factor.

usage: /usr/bin/python3 widen.py CKPT.pt --to 288,768,6,3,6 [--out GROWN.pt]   (hidden, intermediate, heads, kv heads, layers)
checks the grown model against the old one on random prompts (with and without the KV cache) and prints
the parameter count; train2.py --grow-to does the same growth on resume.
"""
import argparse
import math

import torch

from llama_model import ModelConfig, TinyLlama

STD = 0.02


def parse_shape(text):
    h, i, nh, kvh, layers = (int(x) for x in text.split(","))
    return {"hidden_size": h, "intermediate_size": i, "num_attention_heads": nh,
            "num_key_value_heads": kvh, "num_hidden_layers": layers}


def _pad(old, rows, cols, gen, read_cols=True, write_rows=True):
    """old [r, c] placed top-left in [rows, cols]; new columns (inputs) random when read_cols, new rows
    (outputs) random when write_rows, else zero."""
    w = torch.zeros(rows, cols)
    r, c = old.shape
    w[:r, :c] = old
    if read_cols and cols > c:
        w[:r, c:] = torch.randn(r, cols - c, generator=gen) * STD
    if write_rows and rows > r:
        w[r:, :] = torch.randn(rows - r, cols, generator=gen) * STD
    return w


def widen(model, shape, seed=0):
    old = model.config
    # eps too: mean(x^2) over h1 dims is h0 / h1 of the old mean, so the old normalisation is kept
    # exactly only with eps scaled alike (eps is 1-10 % of mean(x^2) for small embeddings).
    eps = old.rms_norm_eps * old.hidden_size / shape["hidden_size"]
    new = ModelConfig(**{**old.to_dict(), **shape, "rms_norm_eps": eps})
    assert new.head_dim == old.head_dim, "head size is kept (rotary embedding and cache layout)"
    assert new.num_attention_heads % new.num_key_value_heads == 0
    assert new.num_attention_heads // new.num_key_value_heads == old.num_attention_heads // old.num_key_value_heads, \
        "heads and kv heads grow by the same factor, so old heads keep their kv heads"
    for k in ("hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers"):
        assert getattr(new, k) >= getattr(old, k), f"{k} only grows"
    gen = torch.Generator().manual_seed(seed)
    h0, h1 = old.hidden_size, new.hidden_size
    hd = old.head_dim
    # RMS over h1 dims of a vector that is zero beyond h0 is sqrt(h0 / h1) of the RMS over h0:
    # gains shrink by that factor so the old dims come out of each norm as before.
    scale = math.sqrt(h0 / h1)
    src = model.state_dict()
    grown = TinyLlama(new)
    dst = grown.state_dict()

    def norm(key):
        g = torch.empty(h1)
        g[:h0] = src[key] * scale
        g[h0:] = src[key].mean() * scale
        return g

    dst["embed_tokens.weight"] = _pad(src["embed_tokens.weight"], old.vocab_size, h1, gen, read_cols=False)
    dst["lm_head.weight"] = _pad(src["lm_head.weight"], old.vocab_size, h1, gen)
    dst["norm.weight"] = norm("norm.weight")
    for i in range(new.num_hidden_layers):
        p = f"layers.{i}."
        if i >= old.num_hidden_layers:  # an identity: reads at random, writes nothing yet
            for k in ("self_attn.o_proj.weight", "mlp.down_proj.weight"):
                dst[p + k] = torch.zeros_like(dst[p + k])
            for k in ("input_layernorm.weight", "post_attention_layernorm.weight"):
                dst[p + k] = torch.full((h1,), scale)
            continue
        for k in ("input_layernorm.weight", "post_attention_layernorm.weight"):
            dst[p + k] = norm(p + k)
        for k, heads in (("q_proj", new.num_attention_heads), ("k_proj", new.num_key_value_heads),
                         ("v_proj", new.num_key_value_heads)):
            dst[p + f"self_attn.{k}.weight"] = _pad(src[p + f"self_attn.{k}.weight"], heads * hd, h1, gen)
        o = src[p + "self_attn.o_proj.weight"]
        dst[p + "self_attn.o_proj.weight"] = _pad(o, h1, new.num_attention_heads * hd, gen,
                                                  read_cols=False, write_rows=False)
        for k in ("gate_proj", "up_proj"):
            dst[p + f"mlp.{k}.weight"] = _pad(src[p + f"mlp.{k}.weight"], new.intermediate_size, h1, gen)
        dst[p + "mlp.down_proj.weight"] = _pad(src[p + "mlp.down_proj.weight"], h1, new.intermediate_size, gen,
                                               read_cols=False, write_rows=False)
    grown.load_state_dict(dst)
    return grown


@torch.no_grad()
def max_logit_difference(a, b, vocab, seed=1):
    """Largest |logit| difference on random prompts: a full pass, then two cached steps."""
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, vocab, (3, 12), generator=gen)
    mask = torch.ones(3, 12, dtype=torch.long)
    pos = torch.arange(12).unsqueeze(0).expand(3, 12)
    la, pa = a(ids[:, :10], mask[:, :10], pos[:, :10])
    lb, pb = b(ids[:, :10], mask[:, :10], pos[:, :10])
    worst = (la - lb).abs().max().item()
    for t in (10, 11):
        la, pa = a(ids[:, t:t + 1], mask[:, :t + 1], pos[:, t:t + 1], pa)
        lb, pb = b(ids[:, t:t + 1], mask[:, :t + 1], pos[:, t:t + 1], pb)
        worst = max(worst, (la - lb).abs().max().item())
    return worst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("--to", required=True, help="hidden,intermediate,heads,kv_heads,layers")
    ap.add_argument("--out", help="write the grown weights here (no optimizer state), e.g. to export and time it")
    a = ap.parse_args()
    ck = torch.load(a.ckpt, map_location="cpu")
    model = TinyLlama(ModelConfig(**ck["config"]))
    model.load_state_dict(ck["state"])
    model.eval()
    grown = widen(model, parse_shape(a.to)).eval()
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    print(f"params {count(model)} -> {count(grown)}; fp32 file ~{count(grown) * 4 / 1e6:.1f} MB")
    print(f"max |logit difference| {max_logit_difference(model, grown, model.config.vocab_size):.2e}")
    if a.out:
        torch.save({"config": grown.config.to_dict(), "state": grown.state_dict(), "step": ck.get("step")}, a.out)


if __name__ == "__main__":
    main()
