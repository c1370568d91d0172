"""Words the second-generation generator writes with: people, things, units, distractors, and
the rule that separates training templates from held-out ones.

A template list holds (text, held_out) pairs. Training data never uses a held-out template;
the held-out evaluation set uses at least one in every question (`pick(..., split="eval")`).
"""

# (name, subject pronoun, object pronoun, possessive); "they" people take plural verbs
PEOPLE = [
    ("Tom", "he", "him", "his"), ("Ana", "she", "her", "her"), ("Sam", "he", "him", "his"),
    ("Mia", "she", "her", "her"), ("Ben", "he", "him", "his"), ("Lily", "she", "her", "her"),
    ("Omar", "he", "him", "his"), ("Nina", "she", "her", "her"), ("Raj", "he", "him", "his"),
    ("Sara", "she", "her", "her"), ("Ivan", "he", "him", "his"), ("Kate", "she", "her", "her"),
    ("Luis", "he", "him", "his"), ("Aisha", "she", "her", "her"), ("Chen", "he", "him", "his"),
    ("Grace", "she", "her", "her"), ("Noah", "he", "him", "his"), ("Emma", "she", "her", "her"),
    ("Yuki", "she", "her", "her"), ("Kofi", "he", "him", "his"), ("Priya", "she", "her", "her"),
    ("Marco", "he", "him", "his"), ("Zoe", "she", "her", "her"), ("Jack", "he", "him", "his"),
    ("Alex", "they", "them", "their"), ("Robin", "they", "them", "their"),
    ("my sister", "she", "her", "her"), ("my brother", "he", "him", "his"),
    ("the teacher", "she", "her", "her"), ("the farmer", "he", "him", "his"),
]
GROUPS = [  # plural subjects
    ("The class", "they", "them", "their"), ("The team", "they", "them", "their"),
    ("The twins", "they", "them", "their"), ("Our family", "they", "them", "their"),
]
# countable things: (plural, singular)
THINGS = [
    ("apples", "apple"), ("stickers", "sticker"), ("marbles", "marble"), ("cookies", "cookie"),
    ("cards", "card"), ("stamps", "stamp"), ("shells", "shell"), ("pencils", "pencil"),
    ("books", "book"), ("eggs", "egg"), ("balloons", "balloon"), ("coins", "coin"),
    ("flowers", "flower"), ("toy cars", "toy car"), ("crayons", "crayon"), ("oranges", "orange"),
    ("beads", "bead"), ("comics", "comic"), ("cupcakes", "cupcake"), ("buttons", "button"),
]
CONTAINERS = [("boxes", "box"), ("bags", "bag"), ("jars", "jar"), ("packs", "pack"), ("baskets", "basket"),
              ("crates", "crate"), ("trays", "tray")]
SHOP_ITEMS = [  # (plural, singular)
    ("pens", "pen"), ("notebooks", "notebook"), ("cups", "cup"), ("shirts", "shirt"), ("toys", "toy"),
    ("cakes", "cake"), ("tickets", "ticket"), ("plates", "plate"), ("candles", "candle"), ("mugs", "mug"),
    ("bottles of juice", "bottle of juice"), ("loaves of bread", "loaf of bread"), ("pairs of socks", "pair of socks"),
]
SINGLE_ITEMS = ["a bag", "a hat", "a lamp", "a game", "a clock", "a scarf", "a book", "an umbrella", "a kite", "a puzzle"]
CURRENCIES = [  # (plural word, singular word, prefix symbol or "")
    ("dollars", "dollar", "$"), ("euros", "euro", ""), ("pounds", "pound", ""), ("dollars", "dollar", ""),
]
FRIENDS = ["friends", "classmates", "cousins", "neighbours", "teammates", "children"]
DISTRACTORS = [
    "It is a sunny {day}.", "{Name} is {n} years old.", "The shop opens at {h} o'clock.",
    "{Name} lives on a street with {n} houses.", "It took {n} minutes to get there.",
    "{Name}'s favourite colour is blue.", "The weather was cold that {day}.", "The bus was {n} minutes late.",
    "{Name} also has a dog called Rex.", "There are {n} windows in the room.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def cap(s):
    return s[0].upper() + s[1:]


def verb(pron, singular, plural):
    """'she has' / 'they have'."""
    return plural if pron == "they" else singular


def pick(rng, templates, split):
    """One template text: training never sees held-out ones; split "eval" draws only held-out ones."""
    if split == "eval":
        pool = [t for t, held in templates if held]
        if pool:
            return rng.choice(pool)
    return rng.choice([t for t, held in templates if not held])


def distractor(rng, people):
    """An irrelevant sentence, sometimes with a number the answer must not use."""
    name = rng.choice(people)[0]
    return rng.choice(DISTRACTORS).format(Name=cap(name), n=rng.randint(2, 40), h=rng.randint(7, 10),
                                          day=rng.choice(DAYS))


def money(rng, n, cur):
    plural, singular, sym = cur
    if sym and rng.random() < 0.6:
        return f"{sym}{n}"
    return f"{n} {singular if n == 1 else plural}"
