"""Trains the BPE on generated dialogues and writes tokenizer.json + tokenizer_config.json.

usage: /usr/bin/python3 build_tokenizer.py OUT_DIR [--seed 1] [--vocab 512]
       /usr/bin/python3 build_tokenizer.py OUT_DIR --extend BASE_DIR --seed 2 --vocab 1536   (second generation)
--extend keeps every merge and id of BASE_DIR's tokenizer, makes x and / signs (U+00D7, U+00F7) single
tokens, and learns the further merges from the second-generation data (dataset.py): the grown model
keeps its trained embedding rows.
"""
import argparse
import json
import os
import random

from bpe_tokenizer import BYTE_ENCODER, ByteBPE, train_bpe
from chat_format import CHAT_TEMPLATE, EOT, IM_END, SYSTEM_PROMPTS, training_text
from problems import problem_stream

# A little ordinary English so common words outside the math domain also get merges.
GENERAL_TEXT = [
    "Hello! How can I help you today?", "What is the capital of France?", "Please explain this to me.",
    "Thank you very much.", "Can you write a short story about a cat?", "I do not know the answer.",
    "The quick brown fox jumps over the lazy dog.", "What time is it?", "Tell me a joke.",
]


def corpus(seed, n):
    rng = random.Random(seed)
    stream = problem_stream(seed)
    for _ in range(n):
        p = next(stream)
        system = rng.choice(SYSTEM_PROMPTS) if rng.random() < 0.2 else None
        prompt, completion = training_text(p, system)
        yield prompt + completion
    yield from GENERAL_TEXT * 20


def corpus2(seed, n):
    """Second-generation dialogues (training templates only)."""
    from dataset import sample_stream
    rng = random.Random(seed)
    stream = sample_stream(seed)
    for _ in range(n):
        system = rng.choice(SYSTEM_PROMPTS) if rng.random() < 0.2 else None
        prompt, completion = training_text(next(stream), system)
        yield prompt + completion
    yield from GENERAL_TEXT * 20


def symbol_merges(chars):
    """The byte-pair merges that make each (two-byte) character one token."""
    out = []
    for ch in chars:
        b = [BYTE_ENCODER[x] for x in ch.encode("utf-8")]
        assert len(b) == 2, ch
        out.append((b[0], b[1]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vocab", type=int, default=512)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--extend", default=None, help="folder whose tokenizer.json this one extends")
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    if a.extend:
        base = ByteBPE.load(os.path.join(a.extend, "tokenizer.json"))
        init = base.merges + [m for m in symbol_merges("\u00d7\u00f7") if m not in base.ranks]
        tok = ByteBPE(train_bpe(list(corpus2(a.seed, a.n)), a.vocab, init), n_base=len(base.merges))
        assert all(tok.vocab[t] == i for t, i in base.vocab.items()), "extension changed an id"
    else:
        tok = ByteBPE(train_bpe(list(corpus(a.seed, a.n)), a.vocab))
    assert tok.vocab_size == a.vocab, f"vocabulary has {tok.vocab_size} ids (duplicate merge results?)"
    tok.save(os.path.join(a.out_dir, "tokenizer.json"))
    cfg = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": 512,
        "bos_token": None,
        "eos_token": IM_END,
        "pad_token": EOT,
        "unk_token": None,
        "add_bos_token": False,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "chat_template": CHAT_TEMPLATE,
        "added_tokens_decoder": {
            str(i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False, "special": True}
            for t, i in tok.special_ids.items()
        },
    }
    with open(os.path.join(a.out_dir, "tokenizer_config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    print("vocab", tok.vocab_size, "specials", tok.special_ids)


if __name__ == "__main__":
    main()
