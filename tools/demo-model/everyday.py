"""Everyday word problems as people write them: first person ("I had 14 books"), "we", past-tense
stories, money left after spending, units everyone knows (weeks, dozens, hours), equal groups,
sharing, ages relative to "me", and measures (temperature, pages read, points scored, lengths cut). Training only: every template here is a training template,
none rewords a held-out one (stories.py and plain_arith.py flag those), and the committed eval
sets do not draw from this file, so they stay what dataset.py wrote.

`make_everyday(rng, depth)` returns a stories.Story with one to three arithmetic steps.
"""
from lexicon import CONTAINERS, CURRENCIES, FRIENDS, PEOPLE, SHOP_ITEMS, SINGLE_ITEMS, THINGS, cap, money
from stories import Story
from traces import Chain, Retry

# Subjects: the words a sentence needs for each. Past tense narrates (it does not inflect);
# questions use do/have/be in the subject's own form.
FIRST = [
    {"s": "I", "p": "I", "o": "me", "poss": "my", "sposs": "my", "do": "do", "have": "have", "be": "am"},
    {"s": "we", "p": "we", "o": "us", "poss": "our", "sposs": "our", "do": "do", "have": "have", "be": "are"},
]


def subject(rng):
    """A first-person subject half the time (the generator's other kinds never use one), else a name."""
    if rng.random() < 0.5:
        return dict(FIRST[0] if rng.random() < 0.75 else FIRST[1])
    n, p, o, poss = rng.choice(PEOPLE[:26])
    plural = p == "they"
    return {"s": n, "p": p, "o": o, "poss": poss, "sposs": f"{n}'s", "do": "do" if plural else "does",
            "have": "have" if plural else "has", "be": "are" if plural else "is"}


def say(template, who, **kw):
    """Fills a template; {S}/{P}/{Poss}/{Sposs} are the capitalised forms."""
    words = {**who, "S": cap(who["s"]), "P": cap(who["p"]), "Poss": cap(who["poss"]), "Sposs": cap(who["sposs"])}
    return cap(template.format(**words, **kw))


def other_person(rng, who):
    return rng.choice([p[0] for p in PEOPLE[:26] if p[0] != who["s"]] + ["my friend", "a neighbour", "Mum", "Dad"])


# ---- money: what is left after spending, with earnings in between ----------------------------
MONEY_START = ["{S} had {m}.", "{S} had {m} in {poss} wallet.", "{Sposs} piggy bank had {m} in it.",
               "{S} saved {m}.", "{S} got {m} for {poss} birthday.", "{S} started the day with {m}.",
               "{S} took {m} to the shop.", "There was {m} in {sposs} purse."]
MONEY_SPEND = ["{P} spent {x} on {single}.", "{P} bought {single} for {x}.", "Then {p} paid {x} for {single}.",
               "{P} used {x} to buy {single}.", "{Single} cost {o} {x}.", "After that {p} spent {x}."]
MONEY_EARN = ["{P} earned {x} more.", "{Other} gave {o} {x}.", "{P} found {x} in {poss} coat.",
              "Then {p} got {x} for helping {other}.", "{P} was paid {x} for washing a car."]
MONEY_BUY_MANY = ["{P} bought {q} {items} that cost {price} each.", "{P} bought {q} {items} at {price} each.",
                  "Then {p} got {q} {items}, {price} each."]
MONEY_Q = ["How much money {do} {s} have left?", "How much {do} {s} have now?", "How much money is left?",
           "How much money did {s} have left?", "How much {do} {s} have left over?",
           "How much money {do} {s} have after that?", "How much is left in {sposs} wallet?"]


def gen_money(rng, depth):
    who, cur, ch = subject(rng), rng.choice(CURRENCIES), Chain()
    total = rng.randint(20, 300 if rng.random() < 0.4 else 100)
    sentences = [say(rng.choice(MONEY_START), who, m=money(rng, total, cur))]
    left, spent_last = depth, False
    while left > 0:
        c = rng.random()
        dep = (ch.last(),) if ch.steps else ()
        if left >= 2 and c < 0.3:
            q, price = rng.randint(2, 6), rng.randint(2, 15)
            items = rng.choice(SHOP_ITEMS)[0]
            sentences.append(say(rng.choice(MONEY_BUY_MANY), who, q=q, items=items, price=money(rng, price, cur)))
            cost = ch.op(q, "*", price, label=f"cost of the {items}")
            total = ch.op(total, "-", cost, label="money left", deps=dep + (ch.last(),))
            left -= 2
            spent_last = True
        elif c < 0.75 or left == 1:
            x = rng.randint(1, min(total - 1, 80))
            single = rng.choice(SINGLE_ITEMS)
            sentences.append(say(rng.choice(MONEY_SPEND), who, x=money(rng, x, cur), single=single,
                                 Single=cap(single)))
            total = ch.op(total, "-", x, label="money left", deps=dep)
            left -= 1
            spent_last = True
        else:
            x = rng.randint(2, 50)
            other = other_person(rng, who)
            sentences.append(say(rng.choice(MONEY_EARN), who, x=money(rng, x, cur), Other=cap(other), other=other))
            total = ch.op(total, "+", x, label="money now", deps=dep)
            left -= 1
            spent_last = False
    if not spent_last:
        raise Retry  # the questions ask what is left
    return Story("money", sentences, say(rng.choice(MONEY_Q), who), ch, ["We need the money that is left."],
                 ["So {r} is left.", f"So there are {{r}} {cur[0]} left."])


# ---- a collection told in the past tense ------------------------------------------------------
COLLECT_START = ["{S} had {x} {things}.", "{S} collected {x} {things}.", "{S} started with {x} {things}.",
                 "There were {x} {things} in {sposs} bag.", "{S} had a box of {x} {things}.",
                 "Last week {s} had {x} {things}."]
COLLECT_GAIN = ["{P} bought {x} more.", "{P} got {x} more {things} from {other}.", "{Other} gave {o} {x} more.",
                "{P} found {x} more {things}.", "{P} won {x} more {things}.", "Then {p} got another {x}.",
                "Today {p} bought {x} more {things}."]
COLLECT_LOSE = ["{P} gave {x} {things} to {other}.", "{P} lost {x} of them.", "{P} gave away {x}.",
                "{P} used {x} of them.", "{P} sold {x} of {poss} {things}.", "Then {p} gave {other} {x} of them.",
                "{Other} borrowed {x} {things}."]
COLLECT_Q = {"any": ["How many {things} {do} {s} have now?", "How many {things} did {s} have then?",
                     "How many {things} {do} {s} have at this point?", "So how many {things} {do} {s} have?"],
             "+": ["How many {things} {do} {s} have in total?", "How many {things} {do} {s} have altogether?"],
             "-": ["How many {things} {do} {s} have left?", "How many {things} are left?",
                   "How many {things} were left?"]}


def gen_collect(rng, depth):
    who, ch, things = subject(rng), Chain(), rng.choice(THINGS)[0]
    total = rng.randint(5, 99)
    sentences = [say(rng.choice(COLLECT_START), who, x=total, things=things)]
    last_op = None
    for _ in range(depth):
        dep = (ch.last(),) if ch.steps else ()
        other = other_person(rng, who)
        if rng.random() < 0.5 or total < 4:
            x = rng.randint(2, 40)
            t, total, last_op = rng.choice(COLLECT_GAIN), ch.op(total, "+", x, label=f"{things} now", deps=dep), "+"
        else:
            x = rng.randint(1, total - 1)
            t, total, last_op = rng.choice(COLLECT_LOSE), ch.op(total, "-", x, label=f"{things} left", deps=dep), "-"
        sentences.append(say(t, who, x=x, things=things, Other=cap(other), other=other))
    q = say(rng.choice(COLLECT_Q["any"] + COLLECT_Q[last_op]), who, things=things)
    return Story("collect", sentences, q, ch, [f"We need the number of {things} at the end."],
                 [f"So there are {{r}} {things}."])


# ---- units everyone knows -----------------------------------------------------------------------
# (big unit, small unit plural, how many, fact sentence)
UNITS = [("week", "days", 7, "There are 7 days in a week."), ("dozen", "eggs", 12, "A dozen is 12."),
         ("hour", "minutes", 60, "An hour has 60 minutes."), ("day", "hours", 24, "A day has 24 hours."),
         ("year", "months", 12, "A year has 12 months."), ("minute", "seconds", 60, "A minute has 60 seconds."),
         ("meter", "centimeters", 100, "A meter is 100 centimeters.")]
UNIT_Q = ["How many {small} are there in {k} {bigs}?",
          "{K} {bigs} is how many {small}?", "{K} {bigs} are how many {small}?", "How many {small} is {k} {bigs}?",
          "Convert {k} {bigs} to {small}."]
UNIT_PLUS_Q = ["How many {small} is {k} {bigs} and {d} {small}?", "{S} waited {k} {bigs} and {d} {small}. "
               "How many {small} is that?", "What is {k} {bigs} plus {d} {small} in {small}?"]


def plural_unit(big, k):
    return big if big == "dozen" else (big + "s" if k != 1 else big)


def gen_units(rng, depth):
    big, small, per, fact = rng.choice(UNITS)
    ch, k = Chain(), rng.randint(2, 9 if per >= 60 else 12)
    bigs = plural_unit(big, k)
    pre = [fact] if rng.random() < 0.4 else []
    if depth == 1:
        ch.op(k, "*", per, label=small)
        q = rng.choice(UNIT_Q).format(small=small, k=k, K=k, bigs=bigs)
        return Story("units", pre, cap(q), ch, [f"{cap(plural_unit(big, 2))} to {small}: times {per}."],
                     [f"So that is {{r}} {small}."])
    who = subject(rng)
    d = rng.randint(1, per - 1)
    total = ch.op(k, "*", per, label=f"{small} in {k} {bigs}")
    total = ch.op(total, "+", d, label=small, deps=(0,))
    if depth == 2:
        q = say(rng.choice(UNIT_PLUS_Q), who, small=small, k=k, bigs=bigs, d=d)
        return Story("units", pre, q, ch, [f"First the {bigs} in {small}."], [f"So that is {{r}} {small}."])
    # three steps: two spans of time (or amounts) together
    d2 = rng.randint(1, per - 1)
    ch.op(total, "+", d2, label=f"{small} in all", deps=(1,))
    q = say("{S} spent {k} {bigs} and {d} {small} on one task and {d2} {small} on another. "
            "How many {small} is that in all?", who, small=small, k=k, bigs=bigs, d=d, d2=d2)
    return Story("units", pre, q, ch, [f"We need the total in {small}."], [f"So that is {{r}} {small}."])


# ---- equal groups ------------------------------------------------------------------------------------
GROUP_PAIRS = [("tables", "chairs", "at each table"), ("rows", "seats", "in each row"),
               ("shelves", "books", "on each shelf"), ("bags", "apples", "in each bag"),
               ("teams", "players", "on each team"), ("packs", "cards", "in each pack"),
               ("boxes", "pencils", "in each box"), ("classes", "students", "in each class"),
               ("pages", "stickers", "on each page"), ("trays", "cupcakes", "on each tray")]
GROUP_START = ["There are {k} {groups} with {m} {items} {each}.", "There are {k} {groups}, and {m} {items} {each}.",
               "{S} set up {k} {groups} with {m} {items} {each}.", "Each of the {k} {groups} has {m} {items}.",
               "{S} counted {m} {items} {each}, and there are {k} {groups}."]
GROUP_Q = ["How many {items} are there in total?", "How many {items} are there altogether?",
           "How many {items} are there in all?", "How many {items} is that?", "How many {items} are there?"]
GROUP_MORE = ["{x} more {items} are on the floor.", "{S} adds {x} more {items}.", "There are also {x} extra {items}."]
GROUP_LESS = ["{x} of the {items} are broken.", "{S} takes away {x} {items}.", "{x} {items} are missing."]
PER = [("{S} walks {x} km every day.", "How far {do} {s} walk in {k} days?", "km"),
       ("{S} reads {x} pages a day.", "How many pages {do} {s} read in {k} days?", "pages"),
       ("{S} earns {x} dollars an hour.", "How much {do} {s} earn in {k} hours?", "dollars"),
       ("{S} saves {x} dollars each week.", "How much {do} {s} save in {k} weeks?", "dollars"),
       ("A machine makes {x} toys every hour.", "How many toys does it make in {k} hours?", "toys")]


def gen_groups(rng, depth):
    who, ch = subject(rng), Chain()
    if rng.random() < 0.35:
        sent, q, unit = rng.choice(PER)
        x, k = rng.randint(2, 40), rng.randint(2, 9)
        ch.op(x, "*", k, label=unit)
        if depth > 1:
            raise Retry
        return Story("groups", [say(sent, who, x=x)], say(q, who, k=k), ch, [], [f"So that is {{r}} {unit}."])
    groups, items, each = rng.choice(GROUP_PAIRS)
    k, m = rng.randint(2, 12), rng.randint(2, 25)
    sentences = [say(rng.choice(GROUP_START), who, k=k, m=m, groups=groups, items=items, each=each)]
    total = ch.op(k, "*", m, label=f"{items} in the {groups}")
    for _ in range(depth - 1):
        dep = (ch.last(),)
        if rng.random() < 0.5:
            x = rng.randint(2, 30)
            sentences.append(say(rng.choice(GROUP_MORE), who, x=x, items=items))
            total = ch.op(total, "+", x, label=f"{items} now", deps=dep)
        else:
            x = rng.randint(1, total - 1)
            sentences.append(say(rng.choice(GROUP_LESS), who, x=x, items=items))
            total = ch.op(total, "-", x, label=f"{items} left", deps=dep)
    return Story("groups", sentences, say(rng.choice(GROUP_Q), who, items=items), ch,
                 [f"We need the number of {items}."], [f"So there are {{r}} {items}."])


# ---- sharing and packing -------------------------------------------------------------------------
SHARE_Q = ["{S} had {x} {things} and shared them equally among {k} {friends}. How many did each get?",
           "{S} shared {x} {things} equally between {k} {friends}. How many {things} did each one get?",
           "{x} {things} are split evenly among {k} {friends}. How many {things} does each get?",
           "{S} put {x} {things} into {k} equal piles. How many {things} are in each pile?"]
PACK_Q = ["{S} packed {x} {things} into {boxes} of {k}. How many {boxes} did {s} fill?",
          "{x} {things} go into {boxes} that hold {k} each. How many {boxes} are needed?",
          "{x} students sit at tables of {k}. How many tables are needed?"]
SHARE_BEFORE = ["{S} had {a} {things} and got {b} more.", "{S} had {a} {things}, then bought {b} more.",
                "{S} baked {a} {things} in the morning and {b} in the afternoon."]


def gen_share(rng, depth):
    who, ch = subject(rng), Chain()
    things, friends = rng.choice(THINGS)[0], rng.choice(FRIENDS)
    boxes = rng.choice(CONTAINERS)[0]
    k = rng.randint(2, 9)
    if depth == 1:
        x = k * rng.randint(2, 15)
        ch.op(x, "/", k, label="each share")
        q = say(rng.choice(SHARE_Q + PACK_Q), who, x=x, k=k, things=things, friends=friends, boxes=boxes)
        return Story("share", [], q, ch, ["We divide equally."], ["So each gets {r}."])
    a, b = rng.randint(5, 60), rng.randint(2, 40)
    if (a + b) % k:
        raise Retry
    pre = [say(rng.choice(SHARE_BEFORE), who, a=a, b=b, things=things)]
    total = ch.op(a, "+", b, label=f"{things} in all")
    if depth == 3:
        y = rng.randint(1, total - 1)
        if (total - y) % k:
            raise Retry
        food = things in ("cookies", "cupcakes", "apples", "oranges", "eggs")
        pre.append(say("{P} ate {y} of them." if food else "{P} kept {y} for later.", who, y=y))
        total = ch.op(total, "-", y, label=f"{things} to share", deps=(0,))
    ch.op(total, "/", k, label="each share", deps=(ch.last(),))
    q = say("{P} shared them equally among {k} {friends}. How many did each get?", who, k=k, friends=friends)
    return Story("share", pre, q, ch, ["First the total, then share it."], ["So each gets {r}."])


# ---- ages relative to me -------------------------------------------------------------------------
RELATIVES = [("my brother", "he"), ("my sister", "she"), ("my cousin", "she"), ("my dad", "he"), ("my mum", "she"),
             ("my friend", "he")]


def gen_age(rng, depth):
    ch = Chain()
    rel, pro = rng.choice(RELATIVES)
    me = rng.randint(5, 40)
    x = rng.randint(2, 30)
    older = rng.random() < 0.6 or x >= me
    if rel in ("my dad", "my mum"):  # parents are older, by a parent's margin
        older, x = True, rng.randint(20, 40)
    sentences = [f"I am {me} years old."]
    if older:
        sentences.append(rng.choice([f"{cap(rel)} is {x} years older than me.", f"{cap(rel)} is {x} years older."]))
        age = ch.op(me, "+", x, label=f"{rel[3:]}'s age")
    else:
        sentences.append(rng.choice([f"{cap(rel)} is {x} years younger than me.", f"{cap(rel)} is {x} years younger."]))
        age = ch.op(me, "-", x, label=f"{rel[3:]}'s age")
    if rng.random() < 0.3:
        sentences.reverse()
    if depth == 1:
        return Story("age", sentences, rng.choice([f"How old is {rel}?", f"How old is {pro}?",
                                                   f"What is {rel}'s age?"]), ch, [], [f"So {pro} is {{r}}."])
    y = rng.randint(1, 20)
    if depth == 2:
        if rng.random() < 0.5:
            ch.op(age, "+", y, label=f"{rel[3:]}'s age then", deps=(0,))
            q = f"How old will {rel} be in {y} years?"
        else:
            ch.op(me, "+", age, label="our ages together", deps=(0,))
            q = rng.choice(["What is our total age?", f"What do my age and {rel}'s age add up to?"])
        return Story("age", sentences, q, ch, [f"First {rel}'s age."], ["So the answer is {r}."])
    then = ch.op(age, "+", y, label=f"{rel[3:]}'s age then", deps=(0,))
    mine = ch.op(me, "+", y, label="my age then")
    ch.op(then, "+", mine, label="both ages then", deps=(1, 2))
    q = f"In {y} years, what will {rel}'s age and my age add up to?"
    return Story("age", sentences, q, ch, ["We need both ages in the future."], ["So the answer is {r}."])


# ---- measures: temperature, reading, scores, lengths ---------------------------------------------
def gen_temperature(rng, depth):
    ch, t = Chain(), rng.randint(2, 30)
    place = rng.choice(["In the morning it was", "At noon the temperature was", "The water was", "Yesterday it was"])
    sentences = [f"{place} {t} degrees."]
    for _ in range(depth):
        dep = (ch.last(),) if ch.steps else ()
        if rng.random() < 0.5 or t < 3:
            x = rng.randint(1, 15)
            sentences.append(rng.choice([f"It rose by {x} degrees.", f"Then it got {x} degrees warmer.",
                                         f"It went up {x} degrees."]))
            t = ch.op(t, "+", x, label="temperature", deps=dep)
        else:
            x = rng.randint(1, t - 1)
            sentences.append(rng.choice([f"It fell by {x} degrees.", f"Then it got {x} degrees colder.",
                                         f"It dropped {x} degrees."]))
            t = ch.op(t, "-", x, label="temperature", deps=dep)
    q = rng.choice(["What is the temperature now?", "How warm is it now?", "What was the temperature then?"])
    return Story("measures", sentences, q, ch, ["We follow the temperature."], ["So it is {r} degrees."])


def gen_reading(rng, depth):
    who, ch = subject(rng), Chain()
    per, days = rng.randint(3, 30), rng.randint(2, 9)
    sentences = [say(rng.choice(["{S} read {x} pages every day for {d} days.",
                                 "For {d} days, {s} read {x} pages a day."]), who, x=per, d=days)]
    read = ch.op(per, "*", days, label="pages read")
    if depth == 1:
        return Story("measures", sentences, say("How many pages did {s} read?", who), ch, [],
                     ["So that is {r} pages."])
    book = read + rng.randint(5, 200)
    if depth == 2:
        q = say(rng.choice(["The book has {b} pages. How many pages are left?",
                            "{Sposs} book has {b} pages. How many pages {do} {s} still have to read?"]), who, b=book)
        ch.op(book, "-", read, label="pages left", deps=(0,))
        return Story("measures", sentences, q, ch, ["First the pages read."], ["So {r} pages are left."])
    extra = rng.randint(2, 40)
    sentences.append(say("Then {p} read {e} more pages in one evening.", who, e=extra))
    done = ch.op(read, "+", extra, label="pages read", deps=(0,))
    if done >= book:
        raise Retry
    ch.op(book, "-", done, label="pages left", deps=(1,))
    q = say("The book has {b} pages. How many pages are left to read?", who, b=book)
    return Story("measures", sentences, q, ch, ["First all the pages read."], ["So {r} pages are left."])


def gen_scores(rng, depth):
    who, ch = subject(rng), Chain()
    pts, games = rng.randint(2, 25), rng.randint(2, 9)
    sentences = [say(rng.choice(["{S} scored {x} points in each of {g} games.",
                                 "In each of {g} games, {s} scored {x} points."]), who, x=pts, g=games)]
    total = ch.op(pts, "*", games, label="points")
    extras = rng.sample(["In the last game {p} scored {b} more.", "{P} also got {b} bonus points."], 2)
    for t in extras[:depth - 1]:
        sentences.append(say(t, who, b=(bonus := rng.randint(2, 30))))
        total = ch.op(total, "+", bonus, label="points in all", deps=(ch.last(),))
    q = say(rng.choice(["How many points did {s} score in total?", "How many points {do} {s} have altogether?"]), who)
    return Story("measures", sentences, q, ch, ["We need all the points."], ["So that is {r} points."])


def gen_lengths(rng, depth):
    who, ch = subject(rng), Chain()
    k, piece = rng.randint(2, 9), rng.randint(2, 20)
    length = k * piece
    thing = rng.choice(["ribbon", "rope", "piece of string", "plank"])
    if depth == 1:
        ch.op(length, "/", k, label="each piece")
        q = say(rng.choice(["{S} cut a {t} {L} cm long into {k} equal pieces. How long is each piece?",
                            "A {t} is {L} cm long. {S} cut it into {k} equal parts. How long is each part?"]),
                who, t=thing, L=length, k=k)
        return Story("measures", [], q, ch, [], ["So each piece is {r} cm."])
    used = rng.randint(1, length - 1)
    if (length - used) % k:
        raise Retry
    sentences = [say("{S} had a {t} {L} cm long and used {u} cm of it.", who, t=thing, L=length, u=used)]
    left = ch.op(length, "-", used, label="length left")
    if depth == 2:
        q = say("{P} cut the rest into {k} equal pieces. How long is each piece?", who, k=k)
        ch.op(left, "/", k, label="each piece", deps=(0,))
        return Story("measures", sentences, q, ch, ["First what is left."], ["So each piece is {r} cm."])
    more = rng.randint(2, 40)
    if (left + more) % k:
        raise Retry
    sentences.append(say("Then {p} tied on another {m} cm.", who, m=more))
    ch.op(left, "+", more, label="length now", deps=(0,))
    ch.op(left + more, "/", k, label="each piece", deps=(1,))
    q = say("{P} cut it all into {k} equal pieces. How long is each piece?", who, k=k)
    return Story("measures", sentences, q, ch, ["We need the length, then each piece."], ["So each piece is {r} cm."])


def gen_measures(rng, depth):
    return rng.choice([gen_temperature, gen_reading, gen_scores, gen_lengths])(rng, depth)


GENERATORS = {"money": gen_money, "collect": gen_collect, "units": gen_units, "groups": gen_groups,
              "share": gen_share, "age": gen_age, "measures": gen_measures}


def make_everyday(rng, depth):
    for _ in range(2000):
        kind = rng.choice(list(GENERATORS))
        try:
            st = GENERATORS[kind](rng, depth)
        except (Retry, ValueError):
            continue
        if len(st.chain.steps) == depth:
            return st
    raise RuntimeError(f"no everyday problem of depth {depth}")
