"""Seeded generator of arithmetic word problems with step-by-step solutions.

Every problem is a chain of 1-4 arithmetic operations ("depth"). Each kind
(shopping, sharing, rates, ages, collections) builds its question clause by
clause while recording one `a op b = r` line per operation, so the reasoning
the model learns is exactly the arithmetic the question needs.

Numbers are kept small (operands mostly 1-2 digits, every result in 1..999)
because a few-million-parameter model has to learn the arithmetic itself.
Text is ASCII only: the Python tokenizer mirrors the JS one exactly on ASCII.
"""
import random
from dataclasses import dataclass, field

from traces import Retry as _Retry, apply_op

KINDS = ("shopping", "sharing", "rates", "ages", "collections")
MAX_RESULT = 999

NAMES = [
    ("Tom", "he"), ("Ann", "she"), ("Sam", "he"), ("Mia", "she"), ("Ben", "he"),
    ("Lily", "she"), ("Max", "he"), ("Emma", "she"), ("Leo", "he"), ("Zoe", "she"),
    ("Jack", "he"), ("Lucy", "she"), ("Omar", "he"), ("Nina", "she"), ("Raj", "he"),
    ("Sara", "she"), ("Ivan", "he"), ("Kate", "she"), ("Paul", "he"), ("Eva", "she"),
]
# (plural, singular) of things bought in shops
SHOP_ITEMS = [
    ("pens", "pen"), ("books", "book"), ("apples", "apple"), ("cups", "cup"),
    ("shirts", "shirt"), ("toys", "toy"), ("cakes", "cake"), ("bottles of milk", "bottle of milk"),
    ("notebooks", "notebook"), ("balls", "ball"), ("candles", "candle"), ("plates", "plate"),
]
SINGLE_ITEMS = ["bag", "hat", "lamp", "game", "clock", "scarf", "box of tea", "pair of socks"]
THINGS = ["apples", "stickers", "marbles", "cookies", "cards", "coins", "stamps", "shells", "pencils", "beads"]
CONTAINERS = ["bags", "boxes", "jars", "packs", "baskets"]
MOVERS = [  # (subject, rate unit, distance unit, time unit)
    ("A car", "km per hour", "km", "hours"),
    ("A train", "km per hour", "km", "hours"),
    ("A cyclist", "km per hour", "km", "hours"),
    ("A boat", "miles per hour", "miles", "hours"),
    ("A runner", "meters per minute", "meters", "minutes"),
]
MAKERS = [  # (subject, things made, time unit)
    ("A machine", "toys", "hours"),
    ("A baker", "loaves", "hours"),
    ("A printer", "pages", "minutes"),
    ("A tap", "liters of water", "minutes"),
    ("A worker", "boxes", "hours"),
]


@dataclass
class Problem:
    kind: str
    question: str
    steps: list = field(default_factory=list)  # list of (a, op, b, result)
    answer: int = 0

    @property
    def depth(self):
        return len(self.steps)

    def reasoning_lines(self):
        return [f"{a} {op} {b} = {r}" for a, op, b, r in self.steps]


class _Chain:
    """Records operations and refuses results the model should not have to learn."""

    def __init__(self):
        self.steps = []

    def op(self, a, op, b):
        r = apply_op(a, op, b)
        if not (1 <= r <= MAX_RESULT):
            raise _Retry
        self.steps.append((a, op, b, r))
        return r



def _cap(s):
    return s[0].upper() + s[1:]


def gen_shopping(rng, depth):
    name, pron = rng.choice(NAMES)
    ch = _Chain()
    items = rng.sample(SHOP_ITEMS, 2)
    q1, p1 = rng.randint(2, 9), rng.randint(2, 25)
    total = ch.op(q1, "*", p1)
    clauses = [f"{name} buys {q1} {items[0][0]} at {p1} dollars each"]
    left = depth - 1
    ending = None
    # optional final "change from a note" step costs one op and changes the question
    if left >= 1 and rng.random() < 0.4:
        ending = "change"
        left -= 1
    while left > 0:
        choice = rng.random()
        if left >= 2 and choice < 0.45:
            q2, p2 = rng.randint(2, 9), rng.randint(2, 25)
            sub = ch.op(q2, "*", p2)
            total = ch.op(total, "+", sub)
            clauses.append(f"{q2} {items[1][0]} at {p2} dollars each")
            left -= 2
        elif choice < 0.8 or total < 10:
            price = rng.randint(3, 60)
            total = ch.op(total, "+", price)
            clauses.append(f"a {rng.choice(SINGLE_ITEMS)} for {price} dollars")
            left -= 1
        else:
            off = rng.randint(2, min(30, total - 1))
            text = f"{_cap(pron)} uses a coupon for {off} dollars off."
            total = ch.op(total, "-", off)
            clauses.append(("COUPON", text))
            left -= 1
    # join purchase clauses; coupon sentences follow the purchases
    buys = [c for c in clauses if isinstance(c, str)]
    extras = [c[1] for c in clauses if isinstance(c, tuple)]
    if len(buys) == 1:
        sent = buys[0] + "."
    else:
        sent = ", ".join(buys[:-1]) + " and " + buys[-1] + "."
    parts = [sent] + extras
    if ending == "change":
        notes = [n for n in (20, 50, 100, 200, 500) if n > total]
        if not notes:
            raise _Retry
        note = notes[0]
        parts.append(f"{_cap(pron)} pays with a {note} dollar note. How much change does {pron} get?")
        total = ch.op(note, "-", total)
    else:
        parts.append(f"How many dollars does {pron} spend in total?")
    return Problem("shopping", " ".join(parts), ch.steps, total)


def gen_sharing(rng, depth):
    name, pron = rng.choice(NAMES)
    thing = rng.choice(THINGS)
    ch = _Chain()
    left = depth - 1  # the final equal share is always one division
    parts = []
    if left >= 1 and rng.random() < 0.6:
        n, per = rng.randint(2, 9), rng.randint(3, 20)
        total = ch.op(n, "*", per)
        parts.append(f"{name} has {n} {rng.choice(CONTAINERS)} with {per} {thing} in each.")
        left -= 1
    else:
        total = rng.randint(12, 99)
        parts.append(f"{name} has {total} {thing}.")
    while left > 0:
        if rng.random() < 0.55:
            x = rng.randint(2, 30)
            total = ch.op(total, "+", x)
            parts.append(rng.choice([f"{_cap(pron)} finds {x} more.", f"A friend gives {pron} {x} more."]))
        else:
            x = rng.randint(1, min(20, total - 2)) if total > 3 else 0
            if x < 1:
                raise _Retry
            total = ch.op(total, "-", x)
            parts.append(rng.choice([f"{_cap(pron)} loses {x} of them.", f"{_cap(pron)} keeps {x} for later."]))
        left -= 1
    divisors = [k for k in range(2, 10) if total % k == 0 and total // k >= 1]
    if not divisors:
        raise _Retry
    k = rng.choice(divisors)
    share = ch.op(total, "/", k)
    parts.append(f"{_cap(pron)} shares them equally among {k} friends. How many {thing} does each friend get?")
    return Problem("sharing", " ".join(parts), ch.steps, share)


def gen_rates(rng, depth):
    ch = _Chain()
    left = depth
    if rng.random() < 0.5:
        subj, rate_u, dist_u, time_u = rng.choice(MOVERS)
        s, h = rng.randint(2, 9) * rng.choice([1, 5, 10]), rng.randint(2, 9)
        if s < 10:
            s = rng.randint(10, 60)
        total = ch.op(s, "*", h)
        parts = [f"{subj} travels at {s} {rate_u} for {h} {time_u}."]
        left -= 1
        end_left = left >= 1 and rng.random() < 0.4
        if end_left:
            left -= 1
        while left > 0:
            if left >= 2 and rng.random() < 0.5:
                s2, h2 = rng.randint(10, 60), rng.randint(2, 5)
                part = ch.op(s2, "*", h2)
                total = ch.op(total, "+", part)
                parts.append(f"Then it travels at {s2} {rate_u} for {h2} {time_u}.")
                left -= 2
            else:
                d = rng.randint(5, 80)
                total = ch.op(total, "+", d)
                parts.append(f"Then it goes {d} more {dist_u}.")
                left -= 1
        if end_left:
            trip = total + rng.randint(5, 150)
            if trip > MAX_RESULT:
                raise _Retry
            total = ch.op(trip, "-", total)
            parts.append(f"The whole trip is {trip} {dist_u}. How many {dist_u} are left?")
        else:
            parts.append(f"How many {dist_u} does it travel in total?")
        return Problem("rates", " ".join(parts), ch.steps, total)
    subj, made, time_u = rng.choice(MAKERS)
    r, t = rng.randint(3, 40), rng.randint(2, 9)
    total = ch.op(r, "*", t)
    parts = [f"{subj} makes {r} {made} every {time_u[:-1]}. It works for {t} {time_u}."]
    left -= 1
    while left > 0:
        c = rng.random()
        if left >= 2 and c < 0.4:
            r2, t2 = rng.randint(3, 40), rng.randint(2, 6)
            part = ch.op(r2, "*", t2)
            total = ch.op(total, "+", part)
            parts.append(f"Then it makes {r2} {made} every {time_u[:-1]} for {t2} more {time_u}.")
            left -= 2
        elif c < 0.7:
            x = rng.randint(1, min(25, total - 1))
            total = ch.op(total, "-", x)
            parts.append(f"{x} of the {made} are lost.")
            left -= 1
        else:
            x = rng.randint(5, 60)
            total = ch.op(total, "+", x)
            parts.append(f"It already had {x} {made}.")
            left -= 1
    parts.append(f"How many {made} are there now?")
    return Problem("rates", " ".join(parts), ch.steps, total)


def gen_ages(rng, depth):
    people = rng.sample(NAMES, depth + 1)
    ch = _Chain()
    age = rng.randint(3, 40)
    parts = [f"{people[0][0]} is {age} years old."]
    for i in range(1, depth + 1):
        prev, cur = people[i - 1][0], people[i][0]
        c = rng.random()
        if c < 0.2 and age <= 40:
            k = rng.randint(2, 3)
            age = ch.op(age, "*", k)
            word = "twice" if k == 2 else "three times"
            parts.append(f"{cur} is {word} as old as {prev}.")
        elif c < 0.6 or age < 8:
            x = rng.randint(2, 30)
            age = ch.op(age, "+", x)
            parts.append(f"{cur} is {x} years older than {prev}.")
        else:
            x = rng.randint(1, min(30, age - 2))
            age = ch.op(age, "-", x)
            parts.append(f"{cur} is {x} years younger than {prev}.")
    if age > 120:
        raise _Retry
    parts.append(f"How old is {people[depth][0]}?")
    return Problem("ages", " ".join(parts), ch.steps, age)


def gen_collections(rng, depth):
    name, pron = rng.choice(NAMES)
    thing = rng.choice(THINGS)
    ch = _Chain()
    total = rng.randint(5, 90)
    parts = [f"{name} has {total} {thing}."]
    left = depth
    while left > 0:
        c = rng.random()
        if left >= 2 and c < 0.35:
            n, per = rng.randint(2, 9), rng.randint(2, 15)
            got = ch.op(n, "*", per)
            total = ch.op(total, "+", got)
            parts.append(f"{_cap(pron)} buys {n} packs of {per} {thing}.")
            left -= 2
        elif c < 0.7:
            x = rng.randint(2, 40)
            total = ch.op(total, "+", x)
            parts.append(rng.choice([f"{_cap(pron)} gets {x} more.", f"{_cap(pron)} wins {x} more {thing}."]))
            left -= 1
        else:
            if total < 4:
                raise _Retry
            x = rng.randint(1, min(40, total - 1))
            total = ch.op(total, "-", x)
            parts.append(rng.choice([f"{_cap(pron)} gives away {x}.", f"{_cap(pron)} gives {x} {thing} to a friend."]))
            left -= 1
    parts.append(f"How many {thing} does {name} have now?")
    return Problem("collections", " ".join(parts), ch.steps, total)


GENERATORS = {
    "shopping": gen_shopping,
    "sharing": gen_sharing,
    "rates": gen_rates,
    "ages": gen_ages,
    "collections": gen_collections,
}


def make_problem(rng, depth, kind=None):
    """One problem of exactly `depth` operations (retries until the numbers fit)."""
    kind = kind or rng.choice(KINDS)
    for _ in range(1000):
        try:
            p = GENERATORS[kind](rng, depth)
        except (_Retry, ValueError):  # ValueError: an empty randint range, i.e. numbers too small to continue
            continue
        if p.depth == depth and all(0 < r <= MAX_RESULT for *_, r in p.steps):
            return p
    raise RuntimeError(f"could not generate {kind} depth {depth}")


def problem_stream(seed, depth_weights=(1, 1, 1, 1)):
    """Endless deterministic stream of problems, depths drawn with the given weights."""
    rng = random.Random(seed)
    depths = [1, 2, 3, 4]
    while True:
        d = rng.choices(depths, weights=depth_weights)[0]
        yield make_problem(rng, d)


if __name__ == "__main__":
    rng = random.Random(0)
    for d in (1, 2, 3, 4):
        for k in KINDS:
            p = make_problem(rng, d, k)
            print(d, k, "|", p.question)
            print("   ", " ; ".join(p.reasoning_lines()), "->", p.answer)
