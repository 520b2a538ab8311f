"""Generated Chinese text of any size, for measuring what no real file here is big enough for (issue 12).

    python benchmarks/make_corpus.py --chars 200M --seed 1 -o gen200m.txt
    python benchmarks/make_corpus.py --growth 1M,2M,4M,8M,16M     # distinct n-grams, generated vs real

The text is sampled from a word-level Markov chain learned from the shared
corpora (laws_prc and People's Daily January 1998, in ../shared/data) with
nlp_zero itself: words are learned by :class:`~nlp_zero.WordFinder` from
People's Daily and every 8th line of the laws, both corpora are segmented with
that lexicon (:class:`~nlp_zero.Tokenizer`), and every word is followed by a
word drawn from the words that follow it there, as often as they do.
Punctuation, whitespace runs, numbers and Latin runs are words like any other,
and the line end is a word too, so sentence shapes and line lengths come out
as in the corpora.  Real text keeps producing new strings as it grows; the
chain does too, since most of its transitions are seen once and chained
transitions form word sequences the corpora never had (``--growth`` prints
how distinct 1..4-grams grow, with :class:`~nlp_zero.NgramCounter`, for
generated and real text of the same sizes).

Properties the scale benchmarks rely on:

* deterministic: the same ``--chars`` and ``--seed`` give byte-identical text
  whatever ``PYTHONHASHSEED`` (word ids in order of first appearance, successors
  sorted, :class:`random.Random`);
* the text of N characters is the first N - 1 characters of any longer run
  with the same seed, and a newline (so 50M and 100M are prefixes of 200M);
* exactly N characters (code points), newlines included, ending with a newline;
* streaming: written in blocks of about a million characters, memory
  independent of N (the chain itself is a fixed size, ~1.2M transitions).

Learning the chain takes about a minute and a half; ``--jobs 2`` shortens it
and does not change a byte of the output.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import resource
import sys
import time
from array import array
from bisect import bisect_right
from collections import Counter
from typing import Iterable, Iterator

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from nlp_zero import Corpus, NgramCounter, Tokenizer, WordFinder  # noqa: E402
from nlp_zero.spill import rss as _rss  # noqa: E402
from nlp_zero.fileio import atomic_write  # noqa: E402
from nlp_zero.text import stat_chunks  # noqa: E402

DATA = os.environ.get("NLP_ZERO_SHARED_DATA", os.path.join(os.path.dirname(REPO), "shared", "data"))
CORPORA = ("pd199801_raw.txt.xz", "laws_prc.txt.xz")
#: Tokens sampled per block written (about 1.7 characters each).
BLOCK_TOKENS = 1 << 19


class Chain:
    """A word bigram chain: ``words[i]`` (``words[0]`` is the line end) and, per word, its successors.

    ``successors[i]`` are word ids and ``cumulative[i]`` their running counts,
    most frequent first.
    """

    def __init__(self, words: list[str], successors: list[array], cumulative: list[array]):
        self.words = words
        self.successors = successors
        self.cumulative = cumulative

    @classmethod
    def learn(cls, data: str = DATA, jobs: int = 1, log=print) -> "Chain":
        paths = [os.path.join(data, "corpora", name) for name in CORPORA]
        for p in paths:
            if not os.path.exists(p):
                raise SystemExit(f"make_corpus: {p}: not found (the shared corpora are needed)")
        pd, laws = paths
        t = time.perf_counter()
        finder = WordFinder().train(itertools.chain(Corpus(pd), itertools.islice(Corpus(laws), 0, None, 8)))
        lexicon = finder.find(jobs=jobs)
        log(f"learned {len(lexicon)} words from {finder.stats.chars} symbols in {time.perf_counter() - t:.0f} s")
        t = time.perf_counter()
        chain = cls.from_segmented(Tokenizer(lexicon).cut_lines(Corpus(paths), jobs=jobs), log)
        log(f"segmented and chained in {time.perf_counter() - t:.0f} s")
        return chain

    @classmethod
    def from_segmented(cls, lines: Iterable[list[str]], log=print) -> "Chain":
        """The chain of segmented lines (each a list of words; the line end is a word)."""
        ids = {"\n": 0}  # word -> id, in order of first appearance
        pairs: Counter = Counter()  # prev << 32 | next -> times
        tokens = 0
        for words in lines:
            prev = 0
            for w in words:
                i = ids.get(w)
                if i is None:
                    i = ids[w] = len(ids)
                pairs[prev << 32 | i] += 1
                prev = i
            pairs[prev << 32] += 1
            tokens += len(words) + 1
        log(f"{tokens} tokens, {len(ids)} word types, {len(pairs)} transitions")
        # successors of each word, most frequent first (ties by id): independent of dict order
        by_word: list[list[tuple[int, int]]] = [[] for _ in ids]
        for key, c in pairs.items():
            by_word[key >> 32].append((-c, key & 0xFFFFFFFF))
        successors, cumulative = [], []
        for row in by_word:
            row.sort()
            successors.append(array("l", [i for _, i in row]))
            cumulative.append(array("q", itertools.accumulate(-c for c, _ in row)))
        return cls(list(ids), successors, cumulative)

    def blocks(self, seed: int) -> Iterator[str]:
        """Text without end, in blocks of whole lines (each ends with a newline)."""
        rnd = random.Random(seed).random
        successors, cumulative, words = self.successors, self.cumulative, self.words
        s = 0
        while True:
            out = []
            append = out.append
            for _ in range(BLOCK_TOKENS):
                c = cumulative[s]
                s = successors[s][bisect_right(c, rnd() * c[-1])]
                append(s)
            while s:  # finish the line
                c = cumulative[s]
                s = successors[s][bisect_right(c, rnd() * c[-1])]
                append(s)
            yield "".join(map(words.__getitem__, out))


def generate(chain: Chain, chars: int, seed: int) -> Iterator[str]:
    """Exactly ``chars`` characters of text (the last line cut to fit, ending with a newline)."""
    left = chars
    for text in chain.blocks(seed):
        if left <= 0:
            return
        if len(text) < left:
            yield text
            left -= len(text)
        else:
            yield text[:left - 1] + "\n"
            return


def real_lines(data: str = DATA):
    """The real corpora, People's Daily lines spread evenly among the laws' (the mixture the chain learns)."""
    pd, laws = (Corpus(os.path.join(data, "corpora", name)) for name in CORPORA)
    pd = iter(pd)
    for i, line in enumerate(laws):
        yield line
        if i % 19 == 0:  # about 19,500 People's Daily lines among 367,000 lines of laws
            yield from itertools.islice(pd, 1)
    yield from pd


def prefix_lines(lines, chars: int):
    """Lines (newline counted) until ``chars`` characters."""
    left = chars
    for line in lines:
        if left <= 0:
            return
        yield line
        left -= len(line) + 1


def distinct(lines, order: int = 4) -> list[int]:
    """Distinct 1..order-grams (NgramCounter), and the characters of the distinct chunks (discover's state)."""
    lines = list(lines)
    counter = NgramCounter(order).count(lines)
    chunks = {chunk for line in lines for chunk in stat_chunks(line)}
    return [len(counter.ngrams(k)) for k in range(1, order + 1)] + [sum(map(len, chunks))]


def growth(chain: Chain, sizes: list[int], seed: int, data: str) -> None:
    """Distinct 1..4-grams and chunks of generated and real text of each size; generation speed beside reading."""
    print("| characters | text | distinct 1-grams | 2-grams | 3-grams | 4-grams | all | characters in distinct chunks |")
    print("|---|---|---|---|---|---|---|---|")
    table = {"generated": [], "real": []}
    for size in sizes:
        gen = distinct("".join(generate(chain, size, seed)).split("\n"))
        real = distinct(prefix_lines(real_lines(data), size))
        for name, row in (("generated", gen), ("real", real)):
            table[name].append(row[:-1] + [sum(row[:-1]), row[-1]])
            print(f"| {size / 1e6:g}M | {name} | " + " | ".join(f"{v:,}" for v in table[name][-1]) + " |")
        print(f"| {size / 1e6:g}M | generated / real | "
              + " | ".join(f"{g / r:.2f}" for g, r in zip(table["generated"][-1], table["real"][-1])) + " |")
    print(f"\ngrowth of distinct n-grams from each size to the next, and from {sizes[0] / 1e6:g}M to {sizes[-1] / 1e6:g}M:")
    for k, label in enumerate(("1-grams", "2-grams", "3-grams", "4-grams", "all", "chunks")):
        for name, rows in table.items():
            steps = " ".join(f"{b[k] / a[k]:.2f}" for a, b in zip(rows, rows[1:]))
            print(f"  {label:8} {name:9} {steps}  (x{rows[-1][k] / rows[0][k]:.2f})")
    size = max(sizes)
    t = time.perf_counter()
    n = sum(len(x) for x in generate(chain, size, seed))
    gen_s = time.perf_counter() - t
    t = time.perf_counter()
    m = sum(len(line) + 1 for line in prefix_lines(real_lines(data), size))
    read_s = time.perf_counter() - t
    print(f"\ngenerating {n / 1e6:g}M characters: {gen_s:.1f} s ({n / gen_s / 1e6:.2f}M chars/s); "
          f"reading as many of the real corpora (xz, Corpus): {read_s:.1f} s; ratio {gen_s / (read_s * n / m):.2f}")


def characters(text: str) -> int:
    """A number of characters: ``200M`` is 200 million (decimal k, M, G)."""
    scale = {"k": 10**3, "m": 10**6, "g": 10**9}.get(text[-1:].lower(), 1)
    number = text[:-1] if scale > 1 else text
    try:
        value = round(float(number) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of characters: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"not a number of characters: {text!r}")
    return value


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chars", type=characters, help="characters to write (e.g. 200M: 200 million)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="processes for learning the chain (output unchanged)")
    ap.add_argument("--data", default=DATA, help="the shared data folder")
    ap.add_argument("--growth", type=lambda s: [characters(x) for x in s.split(",")],
                    help="print distinct n-grams of generated vs real text at these sizes, and the speed")
    args = ap.parse_args(argv)
    if (args.chars is None) == (args.growth is None):
        ap.error("give --chars N or --growth SIZES")

    def log(msg):
        print(msg, file=sys.stderr)

    chain = Chain.learn(args.data, args.jobs, log)
    if args.growth:
        growth(chain, args.growth, args.seed, args.data)
        return 0
    log(f"memory after learning: {_rss() >> 20} MB")
    t = time.perf_counter()
    with atomic_write(args.output) as f:
        for text in generate(chain, args.chars, args.seed):
            f.write(text)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
    took = time.perf_counter() - t
    log(f"wrote {args.chars} characters in {took:.1f} s ({args.chars / max(took, 1e-9) / 1e6:.2f}M chars/s); "
        f"memory now {_rss() >> 20} MB, peak {peak} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
