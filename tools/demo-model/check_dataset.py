"""Checks the second-generation generator; exits non-zero on the first failure.

usage: /usr/bin/python3 check_dataset.py [--n 3000]
  * deterministic: the same seed gives the same stream, and the committed eval sets are reproduced;
  * every trace line is correct arithmetic, and the answer is the last step's result;
  * no training question uses a held-out template (each template is matched as a pattern);
  * every notation and wording family of the plain-arithmetic set occurs, and all story kinds and depths;
  * traces vary: for one question, many distinct traces, whose answers all agree.
"""
import argparse
import json
import os
import random
import re
from collections import Counter

import everyday
import plain_arith
import stories
from dataset import DEPTHS, EVAL_FILES, eval_set, record, sample_stream
from traces import render_trace

HERE = os.path.dirname(os.path.abspath(__file__))
EQ = re.compile(r"(\d+(?: [-+*/] \d+)+)")


def fail(msg):
    raise SystemExit(f"FAIL: {msg}")


def check_line(line):
    """Every `x = y = z` chain on a line must hold: each side of each = evaluates to the same integer."""
    body = line.split(": ", 1)[-1]
    body = re.sub(r"^(First,|Then|Next,|Now) ", "", body)
    if "=" not in body:
        return None
    sides = [s.strip().rstrip(".") for s in body.split("=")]
    values = [eval(s.replace("/", "//")) for s in sides if re.fullmatch(r"[\d +*/-]+", s)]
    if len(values) != len(sides) or len(set(values)) != 1:
        fail(f"wrong arithmetic: {line!r}")
    return values[-1]


def template_patterns(module_lists):
    pats = []
    for templates in module_lists:
        for text, held in templates:
            if held:
                core = text[2:] if text.startswith("Q:") else text
                rx = re.escape(core)
                rx = re.sub(r"\\\{[A-Za-z_0-9]+\\\}", ".+?", rx)
                pats.append((text, re.compile(rx, re.IGNORECASE)))
    return pats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    a = ap.parse_args()
    s1, s2 = sample_stream(1234), sample_stream(1234)
    for _ in range(200):
        if next(s1) != next(s2):
            fail("the stream is not deterministic")
    for name, f in EVAL_FILES.items():
        want = [json.dumps(record(s), ensure_ascii=False) for s in eval_set(name)]
        have = open(os.path.join(HERE, "../../data/eval", f), encoding="utf-8").read().splitlines()
        if want != have:
            fail(f"data/eval/{f} is not what dataset.py writes")
    lists = [plain_arith.FRAMES, plain_arith.WORD_FRAMES, *plain_arith.WORDS.values()]
    lists += [v for v in vars(stories).values() if isinstance(v, list) and v and isinstance(v[0], tuple)
              and len(v[0]) == 2 and isinstance(v[0][1], bool)]
    held = template_patterns(lists)
    kinds, depths, notations = Counter(), Counter(), Counter()
    stream = sample_stream(1000)
    for _ in range(a.n):
        s = next(stream)
        kinds[s.kind] += 1
        depths[s.depth] += 1
        last = None
        for line in s.lines:
            v = check_line(line)
            last = v if v is not None else last
        if s.lines[-1].startswith("So "):
            last = int(re.findall(r"\d+", s.lines[-1])[-1])
        if last != s.answer:
            fail(f"answer {s.answer} is not the trace's result: {s}")
        for text, rx in held:
            if rx.search(s.question) and "{" in text:
                fail(f"held-out template {text!r} in training: {s.question!r}")
        if s.kind == "plain":
            for sym in ("×", "÷", " * ", " / ", " x ", "*", "/", "(", "divided by", "times", "product of",
                        "Subtract", "What do you get if you add", "plus", "minus", "=?"):
                notations[sym] += sym in s.question
    missing = [k for k, v in notations.items() if v == 0]
    if missing:
        fail(f"notations never generated: {missing}")
    if set(kinds) != {"plain", *stories.KINDS, "sharing", *everyday.GENERATORS} or set(depths) != set(DEPTHS):
        fail(f"kinds {dict(kinds)} depths {dict(depths)}")
    rng = random.Random(3)
    st = stories.make_story(rng, 3, "train", kind="shopping")
    traces = {tuple(render_trace(st.chain.steps, random.Random(i), st.goal, st.closing)) for i in range(100)}
    if len(traces) < 20:
        fail(f"only {len(traces)} distinct traces of one 3-step question")
    print(f"ok: {a.n} samples, kinds {dict(kinds)}, depths {dict(depths)}, {len(held)} held-out templates "
          f"never in training, {len(traces)} traces of one question, notations {dict(notations)}")


if __name__ == "__main__":
    main()
