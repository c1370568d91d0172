"""An independent SwiReasoning (selar.mode "swir") reference in PyTorch, for checking the engine.

Written from docs/api.md "Mode swir: SwiReasoning" (not from the TypeScript engine):
greedy decoding where, at step t (0 for the first generated token),

    pi = softmax(logits) at temperature 1 over the whole vocabulary (double precision);
    S_t = -sum pi ln pi;  e_t = sum_i pi_i E[i];
    the mode starts latent; t = 0 sets the reference R = S_0; at t > 0, latent -> explicit
    when S_t < R (c += 1), explicit -> latent when S_t > R, n >= W and not locked
    (locked: a generated, not injected, </think>); every switch resets n = 0 and R = S_t;
    next input: latent, not locked, not a forced-discrete math token, not injected ->
    e_t (t = 0: 0.9 e_0 + 0.1 E[nl], nl the vocabulary entry spelled backslash-n, or e_0
    without one; at a switch to latent: a_t e_t + (1 - a_t) E[<think>]); else at a switch
    to explicit (not injected): b_t e_t + (1 - b_t) E[</think>]; else E[token];
    a_t = alpha + (1 - alpha) t / T, b_t likewise with beta, T = max_tokens;
    with max_switch_count C, at a switch to explicit: C <= c <= 2C queues </think>;
    c > 2C queues </think> + answer_prefix and the sequence ends answer_tokens tokens
    later, counting the triggering one; queued ids are injected one per step.

usage: python3 swir_reference.py CHECKPOINT TOKENIZER_DIR MATH_SYMBOLS_JSON IN_JSON OUT_JSON
"""
import json
import sys

import torch

from bpe_tokenizer import ByteBPE
from greedy import load_model
from selar_reference import forward_embeds


@torch.no_grad()
def decode(model, prompt, cfg, tags, math_ids, spec, prefix_ids, newline_id):
    E = model.embed_tokens.weight
    E64 = E.double()
    eos_ids, max_tokens = set(spec["eos_token_ids"]), spec["max_tokens"]
    open_id, close_id = tags
    W, C = cfg["window_size"], cfg["max_switch_count"]
    n_prompt = len(prompt)
    x = E[torch.tensor([prompt])]
    mask = torch.ones((1, n_prompt), dtype=torch.long)
    logits, past = forward_embeds(model, x, mask, torch.arange(n_prompt).unsqueeze(0), model.empty_past(1))
    out, trace = [], []
    mode, ref, since, c, switches, locked = "latent", 0.0, 0, 0, 0, False
    queue, answer_left = [], None
    n = n_prompt
    for t in range(max_tokens):
        last = logits[0, -1]
        pi = torch.softmax(last.double(), dim=-1)
        nz = pi[pi > 0]
        s = float(-(nz * torch.log(nz)).sum())
        injected = len(queue) > 0
        token = queue.pop(0) if injected else int(torch.argmax(last))
        out.append(token)
        if not injected and token == close_id:
            locked = True
        switched = None
        if t == 0:
            ref = s
        else:
            since += 1
            if mode == "latent" and s < ref:
                switched = "explicit"
            elif mode == "explicit" and s > ref and since >= W and not locked:
                switched = "latent"
            if switched:
                mode, since, ref = switched, 0, s
                switches += 1
                c += switched == "explicit"
        ends = False
        if answer_left is not None:
            answer_left -= 1
            ends = answer_left == 0
        if C is not None and switched == "explicit":
            if c > 2 * C:
                queue = [close_id] + prefix_ids
                answer_left = cfg["answer_tokens"] - 1
                ends = answer_left == 0
            elif c >= C:
                queue = [close_id]
        if token in eos_ids or t == max_tokens - 1 or ends:
            trace.append({"soft": False, "switch": switched is not None})
            break
        forced_discrete = cfg["discrete_tokens"] == "math" and token in math_ids
        soft = mode == "latent" and not locked and not forced_discrete and not injected
        trace.append({"soft": soft, "switch": switched is not None})
        e = pi @ E64
        if soft:
            if t == 0:
                nxt = 0.9 * e + 0.1 * E64[newline_id] if newline_id is not None else e
            elif switched == "latent":
                a = cfg["alpha"] + (1 - cfg["alpha"]) * t / max_tokens
                nxt = a * e + (1 - a) * E64[open_id]
            else:
                nxt = e
        elif switched == "explicit" and not injected:
            b = cfg["beta"] + (1 - cfg["beta"]) * t / max_tokens
            nxt = b * e + (1 - b) * E64[close_id]
        else:
            nxt = E64[token]
        n += 1
        mask = torch.ones((1, n), dtype=torch.long)
        logits, past = forward_embeds(model, nxt.float().view(1, 1, -1), mask, torch.tensor([[n - 1]]), past)
    return out, trace, switches


def main():
    ckpt, tok_dir, symbols_file, in_file, out_file = sys.argv[1:6]
    torch.set_num_threads(1)
    model = load_model(ckpt)
    bpe = ByteBPE.load(f"{tok_dir}/tokenizer.json")
    tok = json.load(open(f"{tok_dir}/tokenizer.json"))
    vocab = dict(tok["model"]["vocab"])
    vocab.update({a["content"]: a["id"] for a in tok["added_tokens"]})
    tags = (vocab["<think>"], vocab["</think>"])
    newline_id = vocab.get("\\n")  # the entry spelled backslash, n (not the newline)
    math_ids = sorted({i for s in json.load(open(symbols_file)) for i in bpe.encode(s)})
    spec = json.load(open(in_file))
    results = []
    for cfg in spec["configs"]:
        prefix_ids = bpe.encode(cfg["answer_prefix"])
        for prompt in spec["prompts"]:
            ids, trace, switches = decode(model, prompt, cfg, tags, set(math_ids), spec, prefix_ids, newline_id)
            results.append({"config": cfg, "prompt": prompt, "token_ids": ids, "trace": trace, "switches": switches})
    json.dump({"newline_id": newline_id, "think_ids": list(tags), "results": results}, open(out_file, "w"))


if __name__ == "__main__":
    main()
