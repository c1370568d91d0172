"""Batched greedy decoding with the KV cache (left padding), plus model loading helpers."""
import torch

from llama_model import ModelConfig, TinyLlama


def load_model(path):
    ck = torch.load(path, map_location="cpu")
    model = TinyLlama(ModelConfig(**ck["config"]))
    model.load_state_dict(ck["state"])
    return model.eval()


@torch.no_grad()
def greedy_generate(model, prompts, eos_id, pad_id, max_new_tokens=128):
    """prompts: list of id lists. Returns list of generated id lists (eos excluded)."""
    b = len(prompts)
    n = max(len(p) for p in prompts)
    ids = torch.full((b, n), pad_id, dtype=torch.long)
    mask = torch.zeros((b, n), dtype=torch.long)
    for i, p in enumerate(prompts):
        ids[i, n - len(p):] = torch.tensor(p)
        mask[i, n - len(p):] = 1
    pos = (mask.cumsum(1) - 1).clamp(min=0)
    logits, past = model(ids, mask, pos)
    out = [[] for _ in range(b)]
    done = torch.zeros(b, dtype=torch.bool)
    next_pos = pos[:, -1:] + 1
    for _ in range(max_new_tokens):
        tok = logits[:, -1].argmax(-1)
        for i in range(b):
            if not done[i]:
                if tok[i].item() == eos_id:
                    done[i] = True
                else:
                    out[i].append(tok[i].item())
        if done.all():
            break
        mask = torch.cat([mask, torch.ones((b, 1), dtype=torch.long)], 1)
        logits, past = model(tok.unsqueeze(1), mask, next_pos, past)
        next_pos = next_pos + 1
    return out
