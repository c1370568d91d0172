"""The second-generation training stream and evaluation sets, deterministic from seeds.

A sample is a question (plain arithmetic in any notation, or a word problem) and one of its
legitimately varying traces; the answer is fixed. Held-out templates (lexicon.pick) appear only
in the evaluation sets written by `main`:
  data/eval/heldout-plain.jsonl    plain arithmetic, held-out frames and wordings, 100 per depth 1-3
  data/eval/heldout-stories.jsonl  word problems asked with held-out templates, 100 per depth 1-3
(data/eval/handwritten.jsonl is written by hand, not by this file.)

usage: /usr/bin/python3 dataset.py [--check]   (writes the sets; --check also prints samples and statistics)
"""
import argparse
import json
import os
import random
from collections import Counter
from dataclasses import dataclass

from everyday import make_everyday
from lexicon import PEOPLE
from plain_arith import GOAL, make_plain
from stories import make_story
from traces import render_trace

PLAIN_SHARE = 0.35
EVERYDAY_SHARE = 0.25  # of the training stream: first-person and past-tense stories (everyday.py)
DEPTHS, DEPTH_WEIGHTS = (1, 2, 3), (3, 3, 2)
EVAL_SEED_BASE = 910000  # eval sets; training seeds are small (1000+), the tokenizer corpus uses 2
EVAL_FILES = {"plain": "heldout-plain.jsonl", "stories": "heldout-stories.jsonl"}


@dataclass
class Sample:
    question: str
    lines: list
    answer: int
    depth: int
    kind: str

    def reasoning_lines(self):
        return self.lines


def make_sample(rng, depth, split="train", plain=None, vary=True):
    everyday = False
    if plain is None:  # the training stream; the eval sets say which kind they want
        r = rng.random()
        plain, everyday = r < PLAIN_SHARE, PLAIN_SHARE <= r < PLAIN_SHARE + EVERYDAY_SHARE
    if plain:
        q, ch = make_plain(rng, depth, split)
        lines = render_trace(ch.steps, rng, goal=GOAL, closing=["So the result is {r}."], vary=vary)
        return Sample(q, lines, ch.steps[-1].r, depth, "plain")
    st = make_everyday(rng, depth) if everyday else make_story(rng, depth, split)
    q = st.text(rng, PEOPLE)
    lines = render_trace(st.chain.steps, rng, goal=st.goal, closing=st.closing, vary=vary)
    return Sample(q, lines, st.chain.steps[-1].r, depth, st.kind)


def sample_stream(seed):
    """Endless training stream (training templates only)."""
    rng = random.Random(seed)
    while True:
        yield make_sample(rng, rng.choices(DEPTHS, weights=DEPTH_WEIGHTS)[0])


def eval_set(name, per_depth=100):
    for depth in DEPTHS:
        rng = random.Random(EVAL_SEED_BASE + 10 * depth + (name == "plain"))
        for _ in range(per_depth):
            yield make_sample(rng, depth, "eval", plain=name == "plain", vary=False)


def record(s):
    return {"question": s.question, "answer": "\n".join(s.lines) + f"\n#### {s.answer}", "steps": s.depth,
            "kind": s.kind}


def held_out_questions(eval_dir):
    qs = set()
    for f in list(EVAL_FILES.values()) + ["handwritten.jsonl"]:
        path = os.path.join(eval_dir, f)
        if os.path.exists(path):
            qs.update(json.loads(l)["question"] for l in open(path, encoding="utf-8"))
    return qs


def check(seed=1000, n=20000):
    """Statistics that show the stream is what the generator promises."""
    rng_stream = sample_stream(seed)
    kinds, depths, starts = Counter(), Counter(), Counter()
    qs, traces_per_q = set(), Counter()
    for _ in range(n):
        s = next(rng_stream)
        kinds[s.kind] += 1
        depths[s.depth] += 1
        starts[s.lines[0].split(" ")[0] if not s.lines[0][0].isdigit() else "<number>"] += 1
        qs.add(s.question)
    print("kinds", dict(kinds), "\ndepths", dict(depths), "\nfirst word of traces", starts.most_common(12))
    print("distinct questions", len(qs), "of", n)
    # the same question gets different traces
    rng = random.Random(5)
    st = make_story(rng, 3, "train", kind="shopping")
    variants = {tuple(render_trace(st.chain.steps, random.Random(i), st.goal, st.closing)) for i in range(200)}
    print(f"one 3-step question, {len(variants)} distinct traces from 200 draws")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", default=os.path.join(here, "../../data/eval"))
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    for name, f in EVAL_FILES.items():
        with open(os.path.join(a.out_dir, f), "w", encoding="utf-8") as out:
            for s in eval_set(name):
                out.write(json.dumps(record(s), ensure_ascii=False) + "\n")
        print("wrote", f)
    if a.check:
        rng = random.Random(7)
        for d in DEPTHS:
            for _ in range(4):
                s = make_sample(rng, d)
                print(f"[{s.kind} {d}] {s.question}\n    " + "\n    ".join(s.lines) + f"\n    -> {s.answer}")
        check()


if __name__ == "__main__":
    main()
