"""Writes Python-side encodings of sample texts for check_tokenizer.ts to compare against JS.

usage: /usr/bin/python3 dump_tokenizer_samples.py MODEL_DIR OUT.json [--n 300]
"""
import argparse
import json
import os
import random

from bpe_tokenizer import ByteBPE
from chat_format import SYSTEM_PROMPTS, assistant_reply, prompt_messages, render_messages, training_text
from dataset import sample_stream
from problems import problem_stream

EXTRA = ["17×23", "84 ÷ 4 = ?", "6 × 7 ×", "Solve step by step: what is 17 × 23?", "Hello, world!", "  leading spaces and trailing  ", "tabs\tand\nnewlines\n\n", "x_y = 3.14159; it's 12:30", "don't 'quote' me", "1000000 + 2 = ?"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=300)
    a = ap.parse_args()
    tok = ByteBPE.load(f"{a.model_dir}/tokenizer.json")
    rng = random.Random(12345)
    streams = [problem_stream(12345), sample_stream(12345)]  # both generations' language
    samples = []
    for i in range(a.n):
        p = next(streams[i % 2])
        system = rng.choice(SYSTEM_PROMPTS) if i % 3 == 0 else None
        prompt, completion = training_text(p, system)
        msgs = prompt_messages(p, system)
        samples.append({
            "text": prompt + completion,
            "ids": tok.encode(prompt + completion),
            "messages": msgs + [{"role": "assistant", "content": assistant_reply(p)}],
            "rendered": render_messages(msgs + [{"role": "assistant", "content": assistant_reply(p)}]),
            "prompt_messages": msgs,
            "prompt": prompt,
        })
    here = os.path.dirname(os.path.abspath(__file__))
    handwritten = os.path.join(here, "../../data/eval/handwritten.jsonl")
    for t in EXTRA + [json.loads(l)["question"] for l in open(handwritten, encoding="utf-8")]:
        samples.append({"text": t, "ids": tok.encode(t)})
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump({"special_ids": tok.special_ids, "samples": samples}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
