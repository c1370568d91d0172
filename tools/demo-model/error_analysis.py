"""What a checkpoint gets wrong: each wrong greedy reply is classed as an arithmetic slip (an
equation in the trace that is false), a plan error (every equation true, the answer still wrong)
or no answer; false equations are counted by operator and operand size (the largest operand's
digits), since that says whether more data, another trace format or more capacity is needed.

usage (from tools/demo-model): /usr/bin/python3 error_analysis.py CKPT.pt TOKENIZER_DIR
    [--sets heldout-plain,heldout-stories,handwritten] [--per-depth 20] [--json OUT] [--show 4]
"""
import argparse
import json
import os
import re
from collections import Counter, defaultdict

import torch

from bpe_tokenizer import ByteBPE
from chat_format import EOT, IM_END, render_messages
from evaluate import extract_answer
from greedy import greedy_generate, load_model

HERE = os.path.dirname(os.path.abspath(__file__))
# A chain of equal expressions over integers, + - * / and parentheses: "2 * 23 = 2 * 20 + 2 * 3 = 46".
EXPR = r"[\d(][\d\s+\-*/×÷()]*"
CHAIN = re.compile(rf"{EXPR}(?:=\s*{EXPR})+")


def value(expr):
    expr = expr.replace("×", "*").replace("÷", "/").strip()
    if not re.fullmatch(r"[\d\s+\-*/()]+", expr) or not re.search(r"\d", expr):
        return None
    try:
        return eval(expr, {"__builtins__": {}})  # digits and operators only (checked above)
    except (SyntaxError, ZeroDivisionError):
        return None


def false_equations(text):
    """(left, right, operator, digits) for each adjacent pair of a chain whose values differ."""
    out = []
    for m in CHAIN.finditer(text):
        parts = [p.strip() for p in m.group(0).split("=")]
        for left, right in zip(parts, parts[1:]):
            a, b = value(left), value(right)
            if a is None or b is None or abs(a - b) < 1e-9:
                continue
            op = next((c for c in "+-*/" if c in left.replace("×", "*").replace("÷", "/")), "?")
            digits = max((len(n) for n in re.findall(r"\d+", left)), default=0)
            out.append((left, right, op, digits))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("tokenizer")
    ap.add_argument("--sets", default="heldout-plain,heldout-stories,handwritten")
    ap.add_argument("--per-depth", type=int, default=20)
    ap.add_argument("--max-new-tokens", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json")
    ap.add_argument("--show", type=int, default=4, help="wrong replies printed per class")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tok = ByteBPE.load(os.path.join(a.tokenizer, "tokenizer.json"))
    model = load_model(a.ckpt)
    report = {}
    for name in a.sets.split(","):
        seen, recs = Counter(), []
        for line in open(os.path.join(HERE, "../../data/eval", name + ".jsonl"), encoding="utf-8"):
            r = json.loads(line)
            seen[r["steps"]] += 1
            if seen[r["steps"]] <= a.per_depth:
                recs.append(r)
        classes, by_op, examples = Counter(), Counter(), defaultdict(list)
        slips_in_correct = 0
        for i in range(0, len(recs), 30):
            chunk = recs[i:i + 30]
            prompts = [tok.encode(render_messages([{"role": "user", "content": r["question"]}], True)) for r in chunk]
            outs = greedy_generate(model, prompts, tok.special_ids[IM_END], tok.special_ids[EOT], a.max_new_tokens)
            for r, o in zip(chunk, outs):
                text = tok.decode(o)
                gold = int(r["answer"].split("####")[-1])
                got = extract_answer(text)
                bad = false_equations(text)
                if got == gold:
                    classes["correct"] += 1
                    slips_in_correct += bool(bad)
                    continue
                cls = "no answer" if got is None else "arithmetic" if bad else "plan"
                classes[cls] += 1
                for _, _, op, digits in bad:
                    by_op[f"{op} {digits}-digit"] += 1
                examples[cls].append({"q": r["question"], "gold": gold, "reply": text, "false": bad[:3]})
        n = len(recs)
        report[name] = {"n": n, "classes": dict(classes), "false_equations": dict(by_op.most_common()),
                        "correct_with_slip": slips_in_correct, "examples": {k: v[:a.show] for k, v in examples.items()}}
        print(f"## {name}: {classes['correct']}/{n} correct; wrong: " +
              ", ".join(f"{k} {v}" for k, v in classes.items() if k != "correct"))
        print("   false equations by operator and size:", dict(by_op.most_common()))
        for cls, exs in examples.items():
            for e in exs[:a.show]:
                print(f"   [{cls}] {e['q']}  (gold {e['gold']})\n      {e['reply']!r}\n      false: {e['false']}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
