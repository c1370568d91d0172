"""A tiny Llama-style decoder (RMSNorm, RoPE, grouped-query attention, SwiGLU).

One forward serves training (no past), cached decoding and ONNX export: it takes
an explicit attention_mask over past+current keys and explicit position_ids, so
left padding and KV caches behave the same in PyTorch and in the exported graph.
Written with plain tensor ops (no Python ints from shapes) so the TorchScript
ONNX exporter keeps batch, sequence and past lengths dynamic.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

MASK_VALUE = -1e9  # finite, so fully masked (padding) query rows give uniform weights, not NaN


@dataclass
class ModelConfig:
    vocab_size: int = 512
    hidden_size: int = 256
    intermediate_size: int = 704
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    head_dim: int = 64
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-5
    max_position_embeddings: int = 512
    tie_word_embeddings: bool = False

    def to_dict(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Attention(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        self.nh, self.kvh, self.hd = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        self.q_proj = nn.Linear(c.hidden_size, self.nh * self.hd, bias=False)
        self.k_proj = nn.Linear(c.hidden_size, self.kvh * self.hd, bias=False)
        self.v_proj = nn.Linear(c.hidden_size, self.kvh * self.hd, bias=False)
        self.o_proj = nn.Linear(self.nh * self.hd, c.hidden_size, bias=False)

    def forward(self, x, cos, sin, mask, past_k, past_v):
        b, t = x.shape[0], x.shape[1]
        q = self.q_proj(x).view(b, t, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kvh, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kvh, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        # GQA without materialising repeated keys: group query heads per kv head.
        qg = q.reshape(b, self.kvh, self.nh // self.kvh, t, self.hd)
        scores = torch.matmul(qg, k.unsqueeze(2).transpose(-1, -2)) * (1.0 / math.sqrt(self.hd))
        probs = torch.softmax(scores + mask, dim=-1)
        out = torch.matmul(probs, v.unsqueeze(2)).reshape(b, self.nh, t, self.hd)
        out = out.transpose(1, 2).reshape(b, t, self.nh * self.hd)
        return self.o_proj(out), k, v


class MLP(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, mask, past_k, past_v):
        h, k, v = self.self_attn(self.input_layernorm(x), cos, sin, mask, past_k, past_v)
        x = x + h
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, k, v


class TinyLlama(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        self.config = c
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList(DecoderLayer(c) for _ in range(c.num_hidden_layers))
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        if c.tie_word_embeddings:
            self.lm_head.weight = self.embed_tokens.weight
        inv_freq = 1.0 / (c.rope_theta ** (torch.arange(0, c.head_dim, 2, dtype=torch.float32) / c.head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self.apply(self._init)
        for layer in self.layers:  # GPT-2 style: shrink residual-branch outputs with depth
            for w in (layer.self_attn.o_proj.weight, layer.mlp.down_proj.weight):
                nn.init.normal_(w, std=0.02 / math.sqrt(2 * c.num_hidden_layers))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def empty_past(self, batch):
        c = self.config
        z = torch.zeros(batch, c.num_key_value_heads, 0, c.head_dim)
        return [(z, z) for _ in range(c.num_hidden_layers)]

    def forward(self, input_ids, attention_mask, position_ids, past=None):
        """input_ids/position_ids [B,T]; attention_mask [B,P+T]; past: list of (k,v) [B,kvh,P,hd].
        Returns logits [B,T,V] and the new list of (k,v) [B,kvh,P+T,hd]."""
        if past is None:
            past = self.empty_past(input_ids.shape[0])
        x = self.embed_tokens(input_ids)  # exported as Gather(weight, input_ids)
        freqs = position_ids.unsqueeze(-1).float() * self.inv_freq  # [B,T,hd/2]
        emb = torch.cat([freqs, freqs], dim=-1).unsqueeze(1)  # [B,1,T,hd]
        cos, sin = emb.cos(), emb.sin()
        t = input_ids.shape[1]
        s = attention_mask.shape[1]
        # query i sits at absolute slot (s - t + i); it may see key j when j <= that slot and key j is not padding
        key_pos = torch.arange(s, device=input_ids.device).unsqueeze(0)
        query_pos = torch.arange(t, device=input_ids.device).unsqueeze(1) + (s - t)
        allowed = (key_pos <= query_pos).unsqueeze(0) & (attention_mask.unsqueeze(1) > 0)  # [B,T,S]
        # (allowed - 1) * 1e9 rather than torch.where with Python scalars: the latter exports as double
        mask = ((allowed.to(torch.float32) - 1.0) * -MASK_VALUE).unsqueeze(1).unsqueeze(1)  # [B,1,1,T,S]
        presents = []
        for layer, (pk, pv) in zip(self.layers, past):
            x, k, v = layer(x, cos, sin, mask, pk, pv)
            presents.append((k, v))
        return self.lm_head(self.norm(x)), presents
