"""Exports a checkpoint to the Optimum-style folder the engine loads.

usage: /usr/bin/python3 export_onnx.py CKPT.pt MODEL_DIR [--selar '{"entropy_threshold": 0.3, "top_k": 3}']
Writes MODEL_DIR/onnx/model.onnx (opset 17, weights inline), config.json and
generation_config.json next to the tokenizer files build_tokenizer.py wrote. --selar puts the
model's recommended SeLaR defaults (tuned with gate_stats.py) into generation_config.json.

ONNX interface (names as Optimum's decoder-with-past export):
  inputs  input_ids int64 [batch, seq], attention_mask int64 [batch, past+seq],
          position_ids int64 [batch, seq],
          past_key_values.{i}.key / .value float32 [batch, kv_heads, past, head_dim]
  outputs logits float32 [batch, seq, vocab], present.{i}.key / .value float32 [batch, kv_heads, past+seq, head_dim]
The token embedding is a Gather on input_ids (the engine swaps it for inputs_embeds).
"""
import argparse
import json
import os

import torch

from bpe_tokenizer import ByteBPE
from chat_format import EOT, IM_END
from greedy import load_model


class FlatWrapper(torch.nn.Module):
    """Flattens the (k, v) list into positional tensors, the shape ONNX export needs."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, presents = self.model(input_ids, attention_mask, position_ids, past)
        flat = [t for kv in presents for t in kv]
        return (logits, *flat)


def export(model, path):
    c = model.config
    n = c.num_hidden_layers
    b, past_len, t = 2, 3, 4  # dummy sizes; all three are dynamic in the graph
    ids = torch.randint(0, c.vocab_size, (b, t))
    mask = torch.ones(b, past_len + t, dtype=torch.long)
    pos = torch.arange(past_len, past_len + t).unsqueeze(0).expand(b, t).contiguous()
    past = [torch.zeros(b, c.num_key_value_heads, past_len, c.head_dim) for _ in range(2 * n)]
    past_names = [f"past_key_values.{i}.{kv}" for i in range(n) for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in range(n) for kv in ("key", "value")]
    dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"},
           "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
           "position_ids": {0: "batch_size", 1: "sequence_length"},
           "logits": {0: "batch_size", 1: "sequence_length"}}
    for name in past_names:
        dyn[name] = {0: "batch_size", 2: "past_sequence_length"}
    for name in present_names:
        dyn[name] = {0: "batch_size", 2: "total_sequence_length"}
    torch.onnx.export(
        FlatWrapper(model), (ids, mask, pos, *past), path,
        input_names=["input_ids", "attention_mask", "position_ids", *past_names],
        output_names=["logits", *present_names],
        dynamic_axes=dyn, opset_version=17, do_constant_folding=True,
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("model_dir")
    ap.add_argument("--selar", default=None, help="JSON object of recommended SeLaR defaults")
    a = ap.parse_args()
    model = load_model(a.ckpt)
    c = model.config
    tok = ByteBPE.load(os.path.join(a.model_dir, "tokenizer.json"))
    os.makedirs(os.path.join(a.model_dir, "onnx"), exist_ok=True)
    with torch.no_grad():
        export(model, os.path.join(a.model_dir, "onnx", "model.onnx"))
    eos = tok.special_ids[IM_END]
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": c.hidden_size,
        "intermediate_size": c.intermediate_size,
        "num_attention_heads": c.num_attention_heads,
        "num_key_value_heads": c.num_key_value_heads,
        "num_hidden_layers": c.num_hidden_layers,
        "head_dim": c.head_dim,
        "vocab_size": c.vocab_size,
        "max_position_embeddings": c.max_position_embeddings,
        "rms_norm_eps": c.rms_norm_eps,
        "rope_theta": c.rope_theta,
        "hidden_act": "silu",
        "attention_bias": False,
        "mlp_bias": False,
        "tie_word_embeddings": c.tie_word_embeddings,
        "bos_token_id": None,
        "eos_token_id": eos,
        "pad_token_id": tok.special_ids[EOT],
        "torch_dtype": "float32",
        "use_cache": True,
    }
    with open(os.path.join(a.model_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(a.model_dir, "generation_config.json"), "w") as f:
        gen = {"eos_token_id": eos, "pad_token_id": tok.special_ids[EOT], "do_sample": False, "max_new_tokens": 256}
        if a.selar:
            gen["selar"] = json.loads(a.selar)
        json.dump(gen, f, indent=2)
    print("exported", os.path.getsize(os.path.join(a.model_dir, "onnx", "model.onnx")), "bytes")


if __name__ == "__main__":
    main()
