"""benchmarks/make_corpus.py: generated text of exactly N characters, a prefix of longer runs, deterministic."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "make_corpus.py"


def _module():
    spec = importlib.util.spec_from_file_location("make_corpus", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mc = _module()
LINES = [["我们", "喜欢", "葡萄", "。"], ["你", "喜欢", "苹果", "，", "2019", "年", "。"], [],
         ["葡萄", "很", "甜"], ["苹果", "很", "甜", "。"]]


def _text(chain, chars, seed=1):
    return "".join(mc.generate(chain, chars, seed))


def test_exactly_n_characters_and_shorter_runs_are_prefixes(monkeypatch):
    monkeypatch.setattr(mc, "BLOCK_TOKENS", 50)  # several blocks even for a short text
    chain = mc.Chain.from_segmented(LINES, log=lambda msg: None)
    long = _text(chain, 5000)
    assert len(long) == 5000 and long.endswith("\n")
    for n in (1, 2, 37, 200, 4999):
        short = _text(chain, n)
        assert len(short) == n and short.endswith("\n")
        assert short[:-1] == long[:n - 1]
    assert _text(chain, 0) == ""
    assert _text(chain, 5000, seed=2) != long
    # only the corpus's word transitions: every line is a walk through LINES' bigrams
    pairs = {(a, b) for words in LINES for a, b in zip(["\n"] + words, words + ["\n"])}
    for line in long.split("\n")[:-2]:  # (the last line is cut)
        assert line == "" or any(line.startswith(w) for _, w in pairs)
    assert set(long) <= set("".join(w for words in LINES for w in words) + "\n")
    assert mc.characters("200M") == 200_000_000 and mc.characters("1.5k") == 1500


SNIPPET = """
import hashlib, itertools, sys
sys.path.insert(0, {bench!r})
import make_corpus as mc
from nlp_zero import Corpus, Tokenizer, WordFinder
from nlp_zero.corpus import demo_path
lines = list(itertools.islice(Corpus(demo_path()), 400))
chain = mc.Chain.from_segmented(Tokenizer(WordFinder().train(lines).find()).cut_lines(lines), log=lambda m: None)
print(hashlib.sha256("".join(mc.generate(chain, 200_000, 7)).encode()).hexdigest())
"""


def test_the_same_text_whatever_the_hash_seed():
    digests = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(REPO))
        out = subprocess.run([sys.executable, "-c", SNIPPET.format(bench=str(SCRIPT.parent))], env=env,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        digests.add(out.stdout.strip())
    assert len(digests) == 1
