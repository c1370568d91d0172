"""Rebuilds a training checkpoint from the committed ONNX export.

usage: node tools/demo-model/dump_onnx_weights.mjs models/selar-demo /tmp/w
       /usr/bin/python3 tools/demo-model/ckpt_from_onnx.py models/selar-demo /tmp/w OUT.pt
The export keeps fp32 weights bit for bit, so OUT.pt equals the checkpoint that was
exported and `train.py --init OUT.pt` continues from the committed model.
"""
import json
import os
import sys

import numpy as np
import torch

from llama_model import ModelConfig, TinyLlama


def main():
    model_dir, dump_dir, out = sys.argv[1:4]
    hf = json.load(open(os.path.join(model_dir, "config.json")))
    fields = ModelConfig.__dataclass_fields__
    cfg = ModelConfig(**{k: v for k, v in hf.items() if k in fields})
    state = {}
    for e in json.load(open(os.path.join(dump_dir, "index.json"))):
        a = np.fromfile(os.path.join(dump_dir, e["file"]), dtype="<f4").reshape(e["dims"])
        state[e["param"]] = torch.from_numpy(a.T.copy() if e["transposed"] else a)
    model = TinyLlama(cfg)
    model.load_state_dict(state, strict=True)  # every parameter present, nothing extra
    torch.save({"config": cfg.to_dict(), "state": model.state_dict(), "step": 0}, out)
    print(f"{len(state)} tensors -> {out}")


if __name__ == "__main__":
    main()
