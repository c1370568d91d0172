"""Greedy accuracy of a trained checkpoint on a GSM8K-style JSONL, per depth ("steps").

usage: /usr/bin/python3 evaluate.py CKPT.pt MODEL_DIR [--data ../../data/eval/synthetic-test.jsonl] [--json OUT]
The final number is taken from "The answer is N", else the last number in the reply.
"""
import argparse
import json
import os
import re
import time
from collections import defaultdict

import torch

from bpe_tokenizer import ByteBPE
from chat_format import EOT, IM_END, render_messages
from greedy import greedy_generate, load_model


def extract_answer(text):
    m = re.search(r"The answer is\s*(-?\d+)", text)
    if m:
        return int(m.group(1))
    nums = re.findall(r"-?\d+", text)
    return int(nums[-1]) if nums else None


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("model_dir")
    ap.add_argument("--data", default=os.path.join(here, "../../data/eval/synthetic-test.jsonl"))
    ap.add_argument("--json")
    ap.add_argument("--limit", type=int, default=0, help="problems per depth (0 = all)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-new-tokens", type=int, default=128, help="second-generation traces are longer: 200")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tok = ByteBPE.load(os.path.join(a.model_dir, "tokenizer.json"))
    model = load_model(a.ckpt)
    recs = [json.loads(l) for l in open(a.data)]
    if a.limit:
        seen = defaultdict(int)
        recs = [r for r in recs if (seen.__setitem__(r["steps"], seen[r["steps"]] + 1) or seen[r["steps"]] <= a.limit)]
    t0 = time.time()
    correct, total, examples = defaultdict(int), defaultdict(int), []
    bs = 50
    for i in range(0, len(recs), bs):
        chunk = recs[i:i + bs]
        prompts = [tok.encode(render_messages([{"role": "user", "content": r["question"]}], True)) for r in chunk]
        outs = greedy_generate(model, prompts, tok.special_ids[IM_END], tok.special_ids[EOT], a.max_new_tokens)
        for r, o in zip(chunk, outs):
            text = tok.decode(o)
            gold = int(r["answer"].split("####")[-1].strip())
            ok = extract_answer(text) == gold
            correct[r["steps"]] += ok
            total[r["steps"]] += 1
            if not ok and len(examples) < 12:
                examples.append({"question": r["question"], "gold": gold, "reply": text})
    res = {str(d): {"correct": correct[d], "total": total[d], "accuracy": correct[d] / total[d]} for d in sorted(total)}
    all_c, all_t = sum(correct.values()), sum(total.values())
    res["all"] = {"correct": all_c, "total": all_t, "accuracy": all_c / all_t}
    print("| steps | accuracy | n |\n|---|---|---|")
    for k, v in res.items():
        print(f"| {k} | {100 * v['accuracy']:.1f}% | {v['total']} |")
    print(f"eval time {time.time() - t0:.0f}s")
    for e in examples[:6]:
        print("WRONG:", json.dumps(e))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"accuracy": res, "wrong_examples": examples}, f, indent=2)


if __name__ == "__main__":
    main()
