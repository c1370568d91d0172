"""Byte-level BPE trained from scratch, written as a Hugging Face tokenizer.json.

Pipeline (mirrors what @huggingface/tokenizers does with the JSON we write):
  1. special tokens are split off first (added_tokens, special=true);
  2. pre-tokenizer Sequence[Digits(individual_digits), ByteLevel(use_regex)]:
     every ASCII digit becomes its own pre-token, so no merge can ever contain a
     digit and numbers are always one token per digit (arithmetic is then
     position-wise, which is what makes it learnable for a tiny model);
  3. BPE merges by rank inside each pre-token; ids 0-255 are the 256 byte symbols.
The Python regexes below equal the JS ones on ASCII text (training data is ASCII);
on other scripts Python's \\w classes only approximate \\p{L}/\\p{N}, which only
matters for this encoder, never for the served model (the engine uses the JSON).
"""
import json
import re
from collections import Counter

from chat_format import SPECIAL_TOKENS


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_ENCODER = bytes_to_unicode()
BYTE_DECODER = {c: b for b, c in BYTE_ENCODER.items()}
DIGITS_RE = re.compile(r"[^0-9]+|[0-9]")  # JS: /[^\d]+|\d/gu (\d is ASCII-only there)
# JS ByteLevel: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
BYTELEVEL_RE = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")
SPECIAL_RE = re.compile("(" + "|".join(re.escape(t) for t in SPECIAL_TOKENS) + ")")


def pre_tokenize(text):
    """Text without special tokens -> list of byte-level symbol strings."""
    out = []
    for chunk in DIGITS_RE.findall(text):
        for piece in BYTELEVEL_RE.findall(chunk):
            out.append("".join(BYTE_ENCODER[b] for b in piece.encode("utf-8")))
    return out


def split_special(text):
    """Yields (is_special, piece) with special tokens split off, as added_tokens do."""
    for piece in SPECIAL_RE.split(text):
        if piece:
            yield piece in SPECIAL_TOKENS, piece


def _apply_merge(seqs, best):
    joined = best[0] + best[1]
    for w, s in seqs.items():
        i, out = 0, []
        while i < len(s):
            if i + 1 < len(s) and s[i] == best[0] and s[i + 1] == best[1]:
                out.append(joined)
                i += 2
            else:
                out.append(s[i])
                i += 1
        seqs[w] = out


def train_bpe(texts, vocab_size, init_merges=()):
    """Greedy BPE: repeatedly merge the most frequent adjacent pair (ties -> lexicographically smallest).
    init_merges are applied first and kept in front, so a larger vocabulary can extend a smaller one."""
    words = Counter()
    for t in texts:
        for special, piece in split_special(t):
            if not special:
                words.update(pre_tokenize(piece))
    seqs = {w: list(w) for w in words}
    merges = [tuple(m) for m in init_merges]
    for m in merges:
        _apply_merge(seqs, m)
    n_merges = vocab_size - 256 - len(SPECIAL_TOKENS)
    while len(merges) < n_merges:
        pairs = Counter()
        for w, c in words.items():
            s = seqs[w]
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        _apply_merge(seqs, best)
    return merges


class ByteBPE:
    """Ids: 256 bytes, the first n_base merges, the special tokens, then any further merges.
    n_base defaults to all merges; an extended vocabulary keeps every id of the one it extends."""

    def __init__(self, merges, n_base=None):
        self.merges = [tuple(m) for m in merges]
        self.n_base = len(self.merges) if n_base is None else n_base
        self.ranks = {m: i for i, m in enumerate(self.merges)}
        self.vocab = {BYTE_ENCODER[b]: b for b in range(256)}
        for a, b in self.merges[:self.n_base]:
            self.vocab[a + b] = len(self.vocab)
        for t in SPECIAL_TOKENS:
            self.vocab[t] = len(self.vocab)
        for a, b in self.merges[self.n_base:]:
            self.vocab[a + b] = len(self.vocab)
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        self.special_ids = {t: self.vocab[t] for t in SPECIAL_TOKENS}
        self._cache = {}

    @property
    def vocab_size(self):
        return len(self.vocab)

    def _bpe(self, word):
        if word in self._cache:
            return self._cache[word]
        s = list(word)
        while len(s) > 1:
            ranked = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(s, s[1:]))]
            r, i = min(ranked)
            if r == 1 << 30:
                break
            s = s[:i] + [s[i] + s[i + 1]] + s[i + 2:]
        self._cache[word] = s
        return s

    def encode(self, text):
        ids = []
        for special, piece in split_special(text):
            if special:
                ids.append(self.vocab[piece])
                continue
            for w in pre_tokenize(piece):
                ids.extend(self.vocab[t] for t in self._bpe(w))
        return ids

    def decode(self, ids, skip_special=False):
        out, buf = [], []
        for i in ids:
            t = self.id_to_token[i]
            if t in self.special_ids:
                out.append(bytes(buf).decode("utf-8", "replace"))
                buf = []
                if not skip_special:
                    out.append(t)
            else:
                buf.extend(BYTE_DECODER[c] for c in t)
        out.append(bytes(buf).decode("utf-8", "replace"))
        return "".join(out)

    def to_json(self):
        added = [
            {"id": self.vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
            for t in SPECIAL_TOKENS
        ]
        bpe_vocab = {t: i for t, i in self.vocab.items() if t not in self.special_ids}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": None,
            "pre_tokenizer": {
                "type": "Sequence",
                "pretokenizers": [
                    {"type": "Digits", "individual_digits": True},
                    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
                ],
            },
            "post_processor": None,
            "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": None,
                "continuing_subword_prefix": None,
                "end_of_word_suffix": None,
                "fuse_unk": False,
                "byte_fallback": False,
                "ignore_merges": False,
                "vocab": bpe_vocab,
                "merges": [[a, b] for a, b in self.merges],
            },
        }

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, ensure_ascii=False, indent=1)

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as f:
            j = json.load(f)
        first_special = min(t["id"] for t in j["added_tokens"])
        return cls([tuple(m) for m in j["model"]["merges"]], n_base=first_special - 256)
