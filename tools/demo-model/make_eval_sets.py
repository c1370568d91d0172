"""Writes the held-out GSM8K-style evaluation set, from seeds training never uses.

usage: /usr/bin/python3 make_eval_sets.py [--out ../../data/eval/synthetic-test.jsonl] [--per-depth 100]
Record: {"question", "answer": "<one op per line>\\n#### N", "steps", "kind"}.
Kinds rotate through problems.KINDS so every depth has every kind.
"""
import argparse
import json
import os
import random

from problems import KINDS, make_problem

EVAL_SEED_BASE = 900000  # depth d uses seed EVAL_SEED_BASE + d; training uses seed 1000 (tokenizer: 1)


def eval_problems(per_depth):
    for depth in (1, 2, 3, 4):
        rng = random.Random(EVAL_SEED_BASE + depth)
        for i in range(per_depth):
            yield make_problem(rng, depth, KINDS[i % len(KINDS)])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(here, "../../data/eval/synthetic-test.jsonl"))
    ap.add_argument("--per-depth", type=int, default=100)
    a = ap.parse_args()
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        for p in eval_problems(a.per_depth):
            answer = "\n".join(p.reasoning_lines()) + f"\n#### {p.answer}"
            f.write(json.dumps({"question": p.question, "answer": answer, "steps": p.depth, "kind": p.kind}) + "\n")
    print("wrote", a.out)


if __name__ == "__main__":
    main()
