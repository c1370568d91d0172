"""Word problems of the second generation: several templates per sentence and per kind, varied
names, pronouns, objects, units, sentence order and irrelevant details, with one to three steps
that may combine kinds (buy, then pay with a note and get change; collect, then share).

Every generator takes (rng, depth, split) and returns a Story. split "train" never uses a
held-out template (flag True); split "eval" always asks with a held-out question template.
"""
from dataclasses import dataclass, field

from lexicon import (CONTAINERS, CURRENCIES, FRIENDS, GROUPS, PEOPLE, SHOP_ITEMS, SINGLE_ITEMS, THINGS, cap,
                     distractor, money, pick, verb)
from traces import Chain, Retry


@dataclass
class Story:
    kind: str
    sentences: list
    question: str
    chain: Chain
    goal: list = field(default_factory=list)  # opening restatements the trace may use
    closing: list = field(default_factory=list)  # "So ..." lines with {r}

    def text(self, rng, people):
        s = list(self.sentences)
        if rng.random() < 0.25:
            s.insert(rng.randint(0, len(s)), distractor(rng, people))
        if rng.random() < 0.12:
            return " ".join([self.question] + s)
        return " ".join(s + [self.question])


def person(rng, exclude=()):
    pool = [p for p in PEOPLE if p[0] not in exclude]
    return rng.choice(pool + GROUPS if rng.random() < 0.08 and not exclude else pool)


def fmt(t, who, **kw):
    n, p, o, poss = who
    s = t.format(N=cap(n), n=n, P=cap(p), p=p, o=o, poss=poss,
                 has=verb(p, "has", "have"), does=verb(p, "does", "do"), is_=verb(p, "is", "are"), **kw)
    return cap(s)


# ---- collections: a count that grows and shrinks -------------------------------------------
START = [("{N} {has} {x} {things}.", False), ("{N} had {x} {things}.", False),
         ("{N} starts with {x} {things}.", False), ("There are {x} {things} in {n}'s room.", False),
         ("{N} owns {x} {things}.", True), ("{N} had a collection of {x} {things}.", False),
         ("At first, {n} {has} {x} {things}.", False), ("{N} keeps {x} {things} in a drawer.", False)]
START_GROUPS = [("{N} {has} {k} {boxes} with {m} {things} in each.", False),
                ("{N} {has} {k} {boxes} of {m} {things}.", False),
                ("{N} buys {k} {boxes}, and each {box} holds {m} {things}.", False),
                ("There are {m} {things} in each of {n}'s {k} {boxes}.", True)]
GAIN = [("{P} buys {x} more.", False), ("{P} finds {x} more {things}.", False),
        ("{Other} gives {o} {x} {things}.", False), ("Then {p} gets {x} more {things} from {other}.", False),
        ("{P} picks up another {x}.", False), ("Later, {x} more {things} are added to {poss} pile.", True),
        ("{P} bought {x} more {things}.", False), ("{Other} gave {o} {x} more.", False),
        ("The next day {p} gets {x} more.", False), ("{P} wins {x} {things} in a game.", False)]
LOSE = [("{P} gives {x} to {other}.", False), ("{P} loses {x} of them.", False), ("{P} sells {x} {things}.", False),
        ("{Other} takes {x} of {poss} {things}.", False), ("Sadly, {x} of the {things} get lost.", True),
        ("{P} gave away {x} of them.", False), ("{P} lost {x} {things}.", False),
        ("{P} uses {x} of them for a project.", False), ("{P} trades away {x} {things}.", False)]
Q_COUNT = [("How many {things} {does} {n} have now?", False), ("How many {things} does {n} have at the end?", False),
           ("What is the number of {things} {n} {has} now?", False), ("How many {things} are there now?", False),
           ("How many {things} {does} {n} end up with?", True), ("Find how many {things} {n} {has} in the end.", True),
           ("How many {things} {does} {p} have now?", False), ("How many {things} are left?", False),
           ("How many {things} did {n} have after that?", False), ("How many {things} are there in total now?", False)]
SHARE = [("{P} shares them equally among {k} {friends}. How many {things} does each get?", False),
         ("{P} puts them into {boxes} of {k}. How many {boxes} {does} {p} fill?", False),
         ("{P} splits them equally into {k} {boxes}. How many {things} go in each {box}?", False),
         ("If {p} divides them evenly between {k} {friends}, how many {things} does each one receive?", True),
         ("{P} packs them {k} to a {box}. How many {boxes} {does} {p} need?", True),
         ("{P} gives the same number to each of {k} {friends}. How many {things} does each friend get?", False),
         ("Then {p} shares them out equally to {k} {friends}. How many {things} does each one get?", False)]


def collection_ops(rng, ch, who, things, total, left, split, sentences):
    """Appends gain/lose sentences until `left` operations are used; returns the count."""
    other = person(rng, exclude=(who[0],))[0]
    while left > 0:
        x = rng.randint(2, 40)
        dep = (ch.last(),) if ch.steps else ()
        if rng.random() < 0.55 or total < 6:
            t = pick(rng, GAIN, split)
            total = ch.op(total, "+", x, label=f"{things} now", deps=dep)
        else:
            x = rng.randint(1, total - 1)
            t = pick(rng, LOSE, split)
            total = ch.op(total, "-", x, label=f"{things} left", deps=dep)
        sentences.append(fmt(t, who, x=x, things=things, Other=cap(other), other=other))
        left -= 1
    return total


def start_count(rng, ch, who, things, left, split, sentences):
    """Opening sentence; a grouped start costs one multiplication. Returns (count, operations left)."""
    if left >= 1 and rng.random() < 0.4:
        k, m = rng.randint(2, 9), rng.randint(2, 25)
        boxes, box = rng.choice(CONTAINERS)
        sentences.append(fmt(pick(rng, START_GROUPS, split), who, k=k, m=m, boxes=boxes, box=box, things=things))
        return ch.op(k, "*", m, label=f"{things} in all the {boxes}"), left - 1
    x = rng.randint(5, 99)
    sentences.append(fmt(pick(rng, START, split), who, x=x, things=things))
    return x, left


def gen_collection(rng, depth, split):
    ch, who, things = Chain(), person(rng), rng.choice(THINGS)[0]
    sentences = []
    share = depth >= 2 and rng.random() < 0.4
    n_ops = depth - (1 if share else 0)
    total, left = start_count(rng, ch, who, things, n_ops, split, sentences)
    total = collection_ops(rng, ch, who, things, total, left, split, sentences)
    if share:
        divisors = [k for k in range(2, 10) if total % k == 0]
        if not divisors:
            raise Retry
        k = rng.choice(divisors)
        boxes, box = rng.choice(CONTAINERS)
        q = fmt(pick(rng, SHARE, split), who, k=k, things=things, friends=rng.choice(FRIENDS), boxes=boxes, box=box)
        ch.op(total, "/", k, label="each share", deps=(ch.last(),) if ch.steps else ())
        return Story("sharing", sentences, q, ch, ["We share the total equally."], ["So each share is {r}."])
    q = fmt(pick(rng, Q_COUNT, split), who, things=things)
    return Story("collections", sentences, q, ch, [f"We need the number of {things} at the end."],
                 [f"So there are {{r}} {things}."])


# ---- shopping: prices, totals, discounts, change, splitting the bill ------------------------
BUY_MANY = [("{N} buys {q} {items} at {price} each.", False), ("{N} buys {q} {items} for {price} each.", False),
            ("Each {item} costs {price}. {N} buys {q} of them.", False),
            ("{N} gets {q} {items}, and each one costs {price}.", False),
            ("{N} picks up {q} {items} priced at {price} apiece.", True),
            ("{N} bought {q} {items} that cost {price} each.", False), ("{N} orders {q} {items} at {price} per item.", False),
            ("{N} needs {q} {items}, and they cost {price} each.", False)]
BUY_MORE = [("{P} also buys {q} {items} at {price} each.", False), ("Then {p} buys {q} {items} for {price} each.", False),
            ("{P} adds {q} {items} costing {price} each.", True),
            ("{P} also bought {q} {items} for {price} each.", False), ("{P} also picks {q} {items} at {price} each.", False)]
BUY_ONE = [("{P} also buys {single} for {price}.", False), ("Then {p} gets {single} that costs {price}.", False),
           ("{Single} for {price} goes into the basket too.", True),
           ("{P} also bought {single} for {price}.", False), ("On the way out {p} buys {single} for {price}.", False)]
COUPON = [("{P} {has} a coupon for {x} off.", False), ("The shop gives {o} a discount of {x}.", False),
          ("{x} is taken off the bill at the till.", True)]
Q_SPEND = [("How much does {n} spend?", False), ("How much money {does} {n} spend in total?", False),
           ("What is the total cost?", False), ("How much {does} {n} pay altogether?", False),
           ("What {does} {n} pay for everything?", True), ("What is the bill in the end?", True),
           ("How much did {n} spend?", False), ("How much {does} {n} spend altogether?", False),
           ("How much money did {n} spend in all?", False), ("What is the total?", False)]
Q_CHANGE = [("{P} pays with a {note_word} note. How much change {does} {p} get?", False),
            ("{N} hands over {note}. How much change should {p} receive?", False),
            ("If {p} pays with {note}, what is the change?", False),
            ("{P} gives the cashier {note}. How much money comes back?", True),
            ("{P} paid with {note}. What change did {p} get?", False)]
Q_SPLIT = [("{N} and {k1} friends split the cost equally. How much does each person pay?", False),
           ("The cost is shared equally by {k} people. How much does each pay?", False),
           ("If {k} people share the bill equally, what is each share?", True)]


def gen_shopping(rng, depth, split):
    ch, who, cur = Chain(), person(rng), rng.choice(CURRENCIES)
    items = rng.sample(SHOP_ITEMS, 2)
    ending = rng.choice(["spend", "spend", "change", "split"]) if depth >= 2 else "spend"
    left = depth - (1 if ending != "spend" else 0)
    sentences, total, first = [], None, True
    while left > 0:
        c = rng.random()
        if first or (left >= 2 and c < 0.4):
            q, price = rng.randint(2, 9), rng.randint(2, 30 if rng.random() < 0.7 else 99)
            it = items[0] if first else items[1]
            t = pick(rng, BUY_MANY if first else BUY_MORE, split)
            sentences.append(fmt(t, who, q=q, items=it[0], item=it[1], price=money(rng, price, cur)))
            sub = ch.op(q, "*", price, label=f"cost of the {it[0]}")
            left -= 1
            if not first:
                total = ch.op(total, "+", sub, label="total cost", deps=(ch.last() - 1, ch.last()))
                left -= 1
            else:
                total = sub
            first = False
        elif c < 0.75 or total < 10:
            price, single = rng.randint(3, 60), rng.choice(SINGLE_ITEMS)
            sentences.append(fmt(pick(rng, BUY_ONE, split), who, single=single, Single=cap(single),
                                 price=money(rng, price, cur)))
            total = ch.op(total, "+", price, label="total cost", deps=(ch.last(),))
            left -= 1
        else:
            x = rng.randint(1, min(20, total - 1))
            sentences.append(fmt(pick(rng, COUPON, split), who, x=money(rng, x, cur)))
            total = ch.op(total, "-", x, label="cost after the coupon", deps=(ch.last(),))
            left -= 1
    if ending == "change":
        notes = [n for n in (10, 20, 50, 100, 200, 500) if n > total]
        if not notes:
            raise Retry
        note = rng.choice(notes[:2])
        q = fmt(pick(rng, Q_CHANGE, split), who, note=money(rng, note, cur), note_word=f"{note} {cur[1]}")
        ch.op(note, "-", total, label="change", deps=(ch.last(),))
        return Story("shopping", sentences, q, ch, ["We need the cost, then the change."], ["So the change is {r}."])
    if ending == "split":
        ks = [k for k in range(2, 7) if total % k == 0]
        if not ks:
            raise Retry
        k = rng.choice(ks)
        q = fmt(pick(rng, Q_SPLIT, split), who, k=k, k1=k - 1)
        ch.op(total, "/", k, label="each share", deps=(ch.last(),))
        return Story("shopping", sentences, q, ch, ["We need the total, then each share."], ["So each pays {r}."])
    q = fmt(pick(rng, Q_SPEND, split), who)
    return Story("shopping", sentences, q, ch, ["We need the total cost."], ["So the total is {r}."])


# ---- rates: distance = speed x time, things made per hour ----------------------------------
MOVERS = [("a car", "km", "hour"), ("a train", "km", "hour"), ("a cyclist", "km", "hour"), ("a boat", "miles", "hour"),
          ("a runner", "meters", "minute"), ("a snail", "cm", "minute")]
TRAVEL = [("{Mover} travels at {s} {unit} per {t} for {h} {t}s.", False),
          ("{Mover} goes {s} {unit} every {t}. It travels for {h} {t}s.", False),
          ("For {h} {t}s, {mover} moves at {s} {unit} per {t}.", False),
          ("{Mover} covers {s} {unit} each {t} and keeps going for {h} {t}s.", True)]
MORE_DIST = [("Then it goes {d} more {unit}.", False), ("After that, it travels another {d} {unit}.", False),
             ("It then adds a further {d} {unit}.", True)]
Q_DIST = [("How far does it travel?", False), ("How many {unit} does it travel in total?", False),
          ("What distance does it cover?", True)]
Q_LEFT = [("The whole trip is {T} {unit}. How many {unit} are left?", False),
          ("The route is {T} {unit} long. How much of it is still to go?", True)]


def gen_rates(rng, depth, split):
    ch = Chain()
    mover, unit, t = rng.choice(MOVERS)
    s, h = rng.randint(3, 80), rng.randint(2, 9)
    sentences = [cap(pick(rng, TRAVEL, split).format(Mover=cap(mover), mover=mover, s=s, unit=unit, t=t, h=h))]
    total = ch.op(s, "*", h, label="distance")
    left = depth - 1
    end_left = left >= 1 and rng.random() < 0.5
    left -= end_left
    for _ in range(left):
        d = rng.randint(5, 90)
        sentences.append(pick(rng, MORE_DIST, split).format(d=d, unit=unit))
        total = ch.op(total, "+", d, label="distance so far", deps=(ch.last(),))
    if end_left:
        trip = total + rng.randint(5, 200)
        q = pick(rng, Q_LEFT, split).format(T=trip, unit=unit)
        ch.op(trip, "-", total, label="distance left", deps=(ch.last(),))
        return Story("rates", sentences, q, ch, ["We need the distance travelled, then what is left."],
                     [f"So {{r}} {unit} are left."])
    q = pick(rng, Q_DIST, split).format(unit=unit)
    return Story("rates", sentences, q, ch, ["Distance is speed times time."], [f"So it travels {{r}} {unit}."])


# ---- ages and comparisons -----------------------------------------------------------------
OLDER = [("{B} is {x} years older than {A}.", False), ("{B} is {x} years younger than {A}.", False),
         ("{B} is twice as old as {A}.", False), ("{B} was born {x} years before {A}.", True)]
Q_AGE = [("How old is {B}?", False), ("What is {B}'s age?", False), ("How many years old is {B}?", True)]
MORE_THAN = [("{B} has {x} more {things} than {A}.", False), ("{B} has {x} fewer {things} than {A}.", False),
             ("{B} has {k} times as many {things} as {A}.", False), ("{B} owns {x} {things} more than {A} does.", True)]
Q_OTHER = [("How many {things} does {B} have?", False), ("How many {things} does {B} own?", True)]
Q_BOTH = [("How many {things} do they have together?", False), ("How many {things} do {A} and {B} have in all?", False),
          ("What is the total number of {things} the two of them have?", True)]


def gen_ages(rng, depth, split):
    names = [p[0] for p in rng.sample(PEOPLE[:26], depth + 1)]
    ch, age = Chain(), rng.randint(3, 40)
    sentences = [f"{names[0]} is {age} years old."]
    for i in range(1, depth + 1):
        a, b = names[i - 1], names[i]
        dep = (ch.last(),) if ch.steps else ()
        t = pick(rng, OLDER, split)
        x = rng.randint(2, 30)
        if "younger" in t:
            x = rng.randint(1, max(1, age - 2))
            age = ch.op(age, "-", x, label=f"{b}'s age", deps=dep)
        elif "twice" in t:
            age = ch.op(age, "*", 2, label=f"{b}'s age", deps=dep)
        else:
            age = ch.op(age, "+", x, label=f"{b}'s age", deps=dep)
        sentences.append(t.format(A=a, B=b, x=x))
    if age > 120:
        raise Retry
    q = pick(rng, Q_AGE, split).format(B=names[-1])
    return Story("ages", sentences, q, ch, [f"We need {names[-1]}'s age."], [f"So {names[-1]} is {{r}}."])


def gen_compare(rng, depth, split):
    if depth > 2:
        raise Retry
    a, b = [p[0] for p in rng.sample(PEOPLE[:26], 2)]
    things = rng.choice(THINGS)[0]
    ch, n = Chain(), rng.randint(5, 60)
    t = pick(rng, MORE_THAN, split)
    x, k = rng.randint(2, 30), rng.randint(2, 5)
    if "fewer" in t:
        x = rng.randint(1, n - 1)
        m = ch.op(n, "-", x, label=f"{b}'s {things}")
    elif "times" in t:
        m = ch.op(n, "*", k, label=f"{b}'s {things}")
    else:
        m = ch.op(n, "+", x, label=f"{b}'s {things}")
    sentences = [f"{a} has {n} {things}.", t.format(A=a, B=b, x=x, k=k, things=things)]
    if depth == 2:
        ch.op(n, "+", m, label="together", deps=(0,))
        q = pick(rng, Q_BOTH, split).format(A=a, B=b, things=things)
        return Story("compare", sentences, q, ch, ["First find how many the second person has."],
                     [f"So together they have {{r}} {things}."])
    q = pick(rng, Q_OTHER, split).format(B=b, things=things)
    return Story("compare", sentences, q, ch, [], [f"So {b} has {{r}} {things}."])


KINDS = {"collections": gen_collection, "shopping": gen_shopping, "rates": gen_rates, "ages": gen_ages,
         "compare": gen_compare}


def make_story(rng, depth, split="train", kind=None):
    for _ in range(2000):
        k = kind or rng.choice(list(KINDS))
        try:
            st = KINDS[k](rng, depth, split)
        except (Retry, ValueError):
            continue
        if len(st.chain.steps) == depth:
            return st
    raise RuntimeError(f"no story of depth {depth}")
