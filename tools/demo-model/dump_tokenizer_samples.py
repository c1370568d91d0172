"""Writes Python-side encodings of sample texts for check_tokenizer.ts to compare against JS.

usage: /usr/bin/python3 dump_tokenizer_samples.py MODEL_DIR OUT.json [--n 300]
"""
import argparse
import json
import random

from bpe_tokenizer import ByteBPE
from chat_format import SYSTEM_PROMPTS, assistant_reply, prompt_messages, render_messages, training_text
from problems import problem_stream

EXTRA = ["Hello, world!", "  leading spaces and trailing  ", "tabs\tand\nnewlines\n\n", "x_y = 3.14159; it's 12:30", "don't 'quote' me", "1000000 + 2 = ?"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=300)
    a = ap.parse_args()
    tok = ByteBPE.load(f"{a.model_dir}/tokenizer.json")
    rng = random.Random(12345)
    stream = problem_stream(12345)
    samples = []
    for i in range(a.n):
        p = next(stream)
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
    for t in EXTRA:
        samples.append({"text": t, "ids": tok.encode(t)})
    with open(a.out, "w") as f:
        json.dump({"special_ids": tok.special_ids, "samples": samples}, f)


if __name__ == "__main__":
    main()
