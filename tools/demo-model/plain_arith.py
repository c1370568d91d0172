"""Plain arithmetic questions in the notations and wordings people use.

Symbols: `38 + 47`, `38+47=?`, `6 × 7`, `6*7`, `6 x 7`, `84 ÷ 4`, `84 / 4`; expressions with two or three
operands and parentheses; words: "84 divided by 4", "9 times 8", "the product of 12 and 5",
"subtract 17 from 64", "what do you get if you add 33 and 48". Held-out frames and wordings
(flag True) never appear in training.
"""
from lexicon import cap, pick
from traces import Chain, Retry

# question frames around a symbolic expression {e}
FRAMES = [
    ("What is {e}?", False), ("What's {e}?", False), ("{e} = ?", False), ("{e}=?", False), ("{e}", False),
    ("{e} =", False), ("Compute {e}.", False), ("Calculate {e}", False), ("Solve step by step: what is {e}?", False),
    ("Work out {e}.", False), ("Evaluate {e}.", False), ("How much is {e}?", False), ("Find {e}.", False),
    ("Please solve {e}", False), ("what is {e}", False), ("Can you calculate {e}?", False),
    ("What does {e} equal?", True), ("Quick question: {e}?", True), ("I need the value of {e}.", True),
    ("Tell me {e}, please.", True),
    ("What is the answer to {e}?", False), ("Solve: {e}", False), ("{e} equals?", False), ("Help me work out {e}.", False),
    ("What's the result of {e}?", False), ("Find the value of {e}.", False), ("Calculate: {e}", False), ("{e}?", False),
    ("Can you work out {e}?", False), ("Please calculate {e}.", False), ("what's {e}", False), ("{e} is?", False),
]
# word forms of one operation; "Q:" marks a complete question that needs no frame
WORDS = {
    "+": [("{a} plus {b}", False), ("the sum of {a} and {b}", False), ("Q:Add {a} and {b}.", False),
          ("Q:Add {a} to {b}.", False), ("Q:What do you get if you add {a} and {b}?", False),
          ("the total of {a} and {b}", False), ("Q:What is {a} added to {b}?", False),
          ("Q:What is {a} and {b} together?", True), ("Q:Increase {a} by {b}.", True),
          ("Q:What is the sum of {a} and {b}?", False), ("Q:Add together {a} and {b}.", False),
          ("Q:If I add {a} to {b}, what do I get?", False), ("{a} added to {b}", False)],
    "-": [("{a} minus {b}", False), ("Q:Subtract {b} from {a}.", False), ("{a} take away {b}", False),
          ("the difference between {a} and {b}", False), ("Q:Take {b} away from {a}.", False),
          ("Q:What do you get if you subtract {b} from {a}?", False), ("Q:What is {a} less {b}?", False),
          ("Q:What is {b} less than {a}?", True), ("Q:Decrease {a} by {b}.", True),
          ("Q:If I take {b} from {a}, what is left?", False), ("Q:How much more is {a} than {b}?", False),
          ("Q:What is the difference between {a} and {b}?", False), ("Q:What is {a} take away {b}?", False)],
    "*": [("{a} times {b}", False), ("the product of {a} and {b}", False), ("Q:Multiply {a} by {b}.", False),
          ("{a} multiplied by {b}", False), ("Q:What do you get if you multiply {a} and {b}?", False),
          ("Q:Multiply {a} and {b}.", False), ("Q:What is {a} lots of {b}?", True),
          ("Q:How much are {a} groups of {b}?", True),
          ("Q:What is {a} multiplied by {b}?", False), ("Q:Find the product of {a} and {b}.", False),
          ("Q:What is {a} times {b}?", False)],
    "/": [("{a} divided by {b}", False), ("Q:Divide {a} by {b}.", False), ("the quotient of {a} and {b}", False),
          ("Q:How many times does {b} go into {a}?", False), ("Q:What do you get if you divide {a} by {b}?", False),
          ("Q:Split {a} into {b} equal parts. How big is each part?", False),
          ("Q:What is {a} shared equally by {b}?", True), ("Q:How many {b}s make {a}?", True),
          ("Q:What is {a} divided by {b}?", False), ("Q:How many times does {b} fit into {a}?", False)],
}
WORD_FRAMES = [("What is {w}?", False), ("{W}?", False), ("Compute {w}.", False), ("What's {w}?", False),
               ("Find {w}.", False), ("Tell me {w}.", True), ("I would like to know {w}.", True),
               ("Can you find {w}?", False), ("Please work out {w}.", False), ("What do you get for {w}?", False)]
SYMBOLS = {"+": ["+"], "-": ["-"], "*": ["×", "*", "x"], "/": ["÷", "/"]}
PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


def operands(rng, op):
    if op == "+":
        return rng.randint(2, 999 if rng.random() < 0.2 else 99), rng.randint(2, 99)
    if op == "-":
        a = rng.randint(10, 999 if rng.random() < 0.2 else 99)
        return a, rng.randint(1, a - 1)
    if op == "*":
        if rng.random() < 0.3:
            return rng.randint(11, 60), rng.randint(11, 40)
        return rng.randint(2, 12), rng.randint(2, 99 if rng.random() < 0.6 else 12)
    d = rng.randint(2, 12)
    return d * rng.randint(2, 99 if rng.random() < 0.6 else 12), d


def one_op(rng, split):
    op = rng.choice("+-*/")
    a, b = operands(rng, op)
    ch = Chain()
    ch.op(a, op, b)
    if rng.random() < 0.4:
        w = pick(rng, WORDS[op], split).format(a=a, b=b)
        if w.startswith("Q:"):
            q = w[2:]
        else:
            q = pick(rng, WORD_FRAMES, split).format(w=w, W=cap(w))
    else:
        q = pick(rng, FRAMES, split).format(e=expr_text(rng, a, op, b))
    return q, ch


def expr_text(rng, a, op, b):
    sym = rng.choice(SYMBOLS[op])
    if sym == "x" or rng.random() < 0.75:
        return f"{a} {sym} {b}"
    return f"{a}{sym}{b}"


class Node:
    def __init__(self, op=None, left=None, right=None, value=None):
        self.op, self.left, self.right, self.value = op, left, right, value


def random_tree(rng, n_ops):
    if n_ops == 0:
        return Node(value=rng.randint(2, 60))
    op = rng.choice("+-*/")
    k = rng.randint(0, n_ops - 1)
    return Node(op, random_tree(rng, k), random_tree(rng, n_ops - 1 - k))


def evaluate(node, ch):
    """Post-order evaluation recording steps; returns (value, step index or None)."""
    if node.op is None:
        return node.value, None
    lv, li = evaluate(node.left, ch)
    rv, ri = evaluate(node.right, ch)
    if node.op == "*" and min(lv, rv) > 12 and max(lv, rv) > 60:
        raise Retry  # keep products learnable
    if node.op == "/" and rv > 12:
        raise Retry
    deps = tuple(i for i in (li, ri) if i is not None)
    return ch.op(lv, node.op, rv, deps=deps), ch.last()


def render(node, rng, syms, spaced, parent_prec=0, right_side=False):
    if node.op is None:
        return str(node.value)
    p = PREC[node.op]
    left = render(node.left, rng, syms, spaced, p, False)
    right = render(node.right, rng, syms, spaced, p, True)
    s = f"{left} {syms[node.op]} {right}" if spaced else f"{left}{syms[node.op]}{right}"
    need = p < parent_prec or (p == parent_prec and right_side)
    if need or (parent_prec and rng.random() < 0.25):
        s = f"({s})"
    return s


def multi_op(rng, split, n_ops):
    tree = random_tree(rng, n_ops)
    ch = Chain(max_result=9999)
    evaluate(tree, ch)
    syms = {op: rng.choice(v) for op, v in SYMBOLS.items()}
    if syms["*"] == "x":
        syms["*"] = "×"
    e = render(tree, rng, syms, rng.random() < 0.75)
    return pick(rng, FRAMES, split).format(e=e), ch


def make_plain(rng, depth, split="train"):
    """(question, chain) with `depth` operations (1-3)."""
    for _ in range(1000):
        try:
            return one_op(rng, split) if depth == 1 else multi_op(rng, split, depth)
        except (Retry, ValueError):
            continue
    raise RuntimeError("no plain arithmetic problem")


GOAL = ["We need to work out the value.", "Work it out step by step."]
