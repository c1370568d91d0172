"""Writes PyTorch greedy continuations of a few prompts for verify_onnx.mjs to reproduce.

usage: /usr/bin/python3 reference_greedy.py CKPT.pt MODEL_DIR OUT.json
"""
import argparse
import json
import os

from bpe_tokenizer import ByteBPE
from chat_format import EOT, IM_END, render_messages
from greedy import greedy_generate, load_model

PROMPTS = [
    "Tom buys 4 pens at 3 dollars each and a bag for 15 dollars. How many dollars does he spend in total?",
    "Mia has 36 stickers. She shares them equally among 4 friends. How many stickers does each friend get?",
    "A car travels at 40 km per hour for 3 hours. Then it goes 25 more km. How many km does it travel in total?",
    "Ann is 12 years old. Ben is twice as old as Ann. Sam is 7 years younger than Ben. How old is Sam?",
    "Hello! Who are you?",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("model_dir")
    ap.add_argument("out")
    a = ap.parse_args()
    tok = ByteBPE.load(os.path.join(a.model_dir, "tokenizer.json"))
    model = load_model(a.ckpt)
    cases = []
    for q in PROMPTS:
        ids = tok.encode(render_messages([{"role": "user", "content": q}], True))
        # one prompt at a time: the reference must not depend on batching
        out = greedy_generate(model, [ids], tok.special_ids[IM_END], tok.special_ids[EOT], max_new_tokens=96)[0]
        cases.append({"question": q, "prompt_ids": ids, "greedy_ids": out, "text": tok.decode(out)})
        print(json.dumps(q), "->", json.dumps(tok.decode(out)))
    with open(a.out, "w") as f:
        json.dump({"eos_token_id": tok.special_ids[IM_END], "pad_token_id": tok.special_ids[EOT], "cases": cases}, f)


if __name__ == "__main__":
    main()
