"""Reasoning traces of the second-generation data: arithmetic steps that may legitimately vary.

A problem's arithmetic is a small DAG of `Step`s (each names the steps whose results it uses).
`render_trace` picks, with a seeded rng, one of the many correct traces:
  * any topological order of independent steps (two subtotals before their sum, in either order);
  * `a + b` or `b + a`, `a * b` or `b * a`;
  * optional restatements: an opening line naming the goal, a closing "So ..." line;
  * alternative wordings of a step: bare, "Then ...", or with its label ("pens: 3 * 4 = 12").
Multi-digit products and large quotients get a place-value scratchpad on one line:
  17 * 23 = 17 * 20 + 17 * 3 = 340 + 51 = 391      96 / 4 = 80 / 4 + 16 / 4 = 20 + 4 = 24
The final answer never varies. Traces use ASCII * and / whatever notation the question used.
"""
from dataclasses import dataclass, field

MAX_RESULT = 9999


class Retry(Exception):
    """The drawn numbers do not fit (non-integer, negative or too large): draw again."""


def apply_op(a, op, b):
    """a op b for + - * and exact division (an inexact one raises Retry)."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/" and b and a % b == 0:
        return a // b
    if op == "/":
        raise Retry
    raise ValueError(op)


@dataclass
class Step:
    a: int
    op: str
    b: int
    r: int
    label: str = ""  # short noun phrase, e.g. "cost of the pens"; "" = no labelled wording
    deps: tuple = ()  # indices of steps whose results are a or b


@dataclass
class Chain:
    """Records the arithmetic while a question is written; refuses results a tiny model should not learn."""
    steps: list = field(default_factory=list)
    max_result: int = MAX_RESULT

    def op(self, a, op, b, label="", deps=()):
        r = apply_op(a, op, b)
        if not 0 <= r <= self.max_result or (op in "-/" and r == 0):
            raise Retry
        self.steps.append(Step(a, op, b, r, label, tuple(deps)))
        return r

    def last(self):
        return len(self.steps) - 1


def place_parts(n):
    """123 -> [100, 20, 3] (zero digits left out)."""
    s = str(n)
    return [int(d) * 10 ** (len(s) - 1 - i) for i, d in enumerate(s) if d != "0"]


def scratch_product(a, b):
    """`a * b = ...` with the right operand split by place value when that helps, else plain."""
    if b < 10 or len(place_parts(b)) < 2 or a < 2:
        return f"{a} * {b} = {a * b}"
    parts = place_parts(b)
    terms = " + ".join(f"{a} * {p}" for p in parts)
    sums = " + ".join(str(a * p) for p in parts)
    return f"{a} * {b} = {terms} = {sums} = {a * b}"


def scratch_quotient(a, b):
    """`a / b = ...` split at the tens of the quotient when the quotient has two digits or more."""
    q = a // b
    if q < 10 or q % 10 == 0 or b < 2:
        return f"{a} / {b} = {q}"
    big = (q // 10) * 10 * b
    return f"{a} / {b} = {big} / {b} + {a - big} / {b} = {q // 10 * 10} + {q % 10} = {q}"


def step_expr(s, rng):
    a, b = s.a, s.b
    if s.op in "+*" and rng.random() < 0.5:
        a, b = b, a
    if s.op == "*":
        # the scratchpad splits the right operand: put a multi-digit one there when the left is not
        if len(place_parts(b)) < 2 and len(place_parts(a)) >= 2 and rng.random() < 0.8:
            a, b = b, a
        return scratch_product(a, b)
    if s.op == "/":
        return scratch_quotient(a, b)
    return f"{a} {s.op} {b} = {s.r}"


def topo_order(steps, rng):
    """A random topological order; the final step (the answer) always comes last."""
    done, order = set(), []
    last = len(steps) - 1
    while len(order) < len(steps):
        ready = [i for i in range(len(steps)) if i not in done and all(d in done for d in steps[i].deps)]
        if len(ready) > 1 and last in ready:
            ready.remove(last)
        i = rng.choice(ready)
        done.add(i)
        order.append(i)
    return order


def render_trace(steps, rng, goal=None, closing=None, vary=True):
    """Lines of one correct trace. goal: opening restatements to pick from; closing: "So ..." lines
    with {r} for the answer. vary=False gives the canonical trace (given order, no extra lines)."""
    if not vary:
        return [step_expr_plain(s) for s in steps]
    lines = []
    if goal and rng.random() < 0.35:
        lines.append(rng.choice(goal))
    for n, i in enumerate(topo_order(steps, rng)):
        s = steps[i]
        expr = step_expr(s, rng)
        c = rng.random()
        if s.label and c < 0.3:
            lines.append(f"{s.label[0].upper()}{s.label[1:]}: {expr}")
        elif n > 0 and c < 0.45:
            lines.append(f"{rng.choice(['Then', 'Next,', 'Now'])} {expr}")
        elif n == 0 and len(steps) > 1 and c < 0.4:
            lines.append(f"First, {expr}")
        else:
            lines.append(expr)
    if closing and rng.random() < 0.3:
        lines.append(rng.choice(closing).format(r=steps[-1].r))
    return lines


def step_expr_plain(s):
    if s.op == "*":
        return scratch_product(s.a, s.b)
    if s.op == "/":
        return scratch_quotient(s.a, s.b)
    return f"{s.a} {s.op} {s.b} = {s.r}"
