"""Trials for issue 15 after word discovery: the bigram split (now discover's last stage) and the rest, left out.

    python benchmarks/discovery_trials.py [--data ../shared/data] [--rounds 4] [--settings small,pku,ud,ud_pd]
        [--no-trials] [--no-ingredients] [--no-standardisation]

Each trial starts from the lexicon of discovery without its last stage, the
bigram split (``WordFinder(split=False).train(lines).find()``), and changes
which words it holds and their counts; the
result is scored as ``benchmarks/sighan.py`` scores a lexicon: the test text
cut by the unigram :class:`~nlp_zero.tokenizer.Tokenizer`, words compared by
span with the gold.  Settings: ``small`` (PKU test raw text), ``pku``
(pd199801 + PKU test raw text), ``ud`` (UD GSDSimp dev raw text, scored on its
gold words), ``ud_pd`` (pd199801 + that text), and, not run unless named,
``pku_half`` (the first half of pd199801's lines + PKU test raw text: the
middle step of sighan.py's more-text check).  Nothing is chosen on a gold
file: every trial's numbers are fixed in advance (below).

The trials, on the chunk multiset of the learner (``stat_chunks`` of each line):

* **discovery**: the segmentation of docs/design.md §5.6 (max Σ score·len)
  redone over the lexicon's own words and scores -- it must give the
  lexicon's counts exactly (printed), the start of every other trial;
* **unigram re-segmentation**: each chunk cut by the unigram code of the
  lexicon's counts (``ln N - ln n(w)``, an unknown symbol ``ln N``), counted
  again (hard EM, one round: a second changes nothing);
* **fold bigrams**: hard EM with a word bigram model (Chen et al. 2014's
  ingredient; the issue's prototype): the chunks fall into 4 folds by the CRC-32
  of their text, and each fold is re-cut by the Viterbi path of a bigram model
  counted on the *other* three folds' current segmentation, the unigram
  counts from all of them; Witten-Bell back-off (no parameter),
  ``p(w|v) = (n(v,w) + T(v) p(w)) / (n(v) + T(v))``, T(v) the distinct
  followers of v, chunk ends as a word of their own; ``--rounds`` rounds;
* **fold bigrams, held-out unigrams**: the same with the unigram counts from
  the other folds too (a word seen in one fold only is lost);
* **MDL split**: a word leaves the lexicon when the description gets shorter
  without it: the corpus under the unigram code with maximum-likelihood
  counts (``N ln N - Σ n ln n``), its occurrences replaced by its best cut
  into the other words, against the cost of spelling it in the lexicon (its
  symbols under the symbol unigram code), then re-cut;
* **MDL merge**: two adjacent words of the unigram cut become one (at most 4
  symbols) when the same description gets shorter with the pair as a word,
  its spelling cost paid, then re-cut.
* **bigram split** (free parts, BIC): a word w leaves the lexicon when
  writing each of its occurrences as two shorter words a b shortens the
  description of the segmentation under a *word bigram* code -- the
  maximum-likelihood conditional code ``Σ_v n(v) ln n(v) - Σ_{v,w} n(v,w) ln
  n(v,w)`` (chunk ends a word of their own) plus ``½ ln T`` nats for each
  bigram seen (BIC, Schwarz 1978; T the bigram tokens) -- where both parts are
  words of the lexicon, each used on its own at least as often as w is; then
  every chunk is re-cut by the unigram code of the words kept, and the test is
  repeated on the new cut until no word leaves.  Under a unigram code a
  frequent pair always pays for its entry (the MDL merge above); under a
  bigram code the pair's own association is already paid for by ``p(b|a)``,
  and w keeps its entry only if the words around it tell it apart from a
  followed by b.  Without the parameter cost (tried once, in a side run)
  no word left at all; without the
  free-parts condition the test also splits words with a bound part, 我们
  and 他们 (们 is rarely a word on its own): that condition was added after
  seeing them in the first version's list, and is the one choice here made
  with output in view (the list, not the F1).  The rows "local re-cut" do
  the same but re-cut, each round, only the chunks that hold a leaving word,
  and update the bigrams from those chunks alone: the rest of the cut stays
  the discovery's, and a round costs a fraction of a full one.  That form is
  what ``discover`` does by default (:mod:`nlp_zero.bigram_split`, whose test
  these rows call): its last round must give the default lexicon's counts
  exactly (printed).

Then the ingredients of discovery itself (``--no-ingredients`` leaves them out):
the default learning again with one ingredient taken out or replaced --
without the bigram split, the z-scores centred at the mean instead of the
median, without cohesion (nVBE alone), without the branching-entropy variation
(cohesion alone), the plug-in entropy estimate or Miller-Madow's correction
instead of Chao-Shen's, the longest word 3 or 5 symbols instead of 4.  They
are switched in this process only, by replacing one function of the package
for the length of one learning (:func:`ingredient`; the longest word is
``WordFinder``'s one parameter); the package has no other such option.
``benchmarks/sighan.py --ablation`` prints the same rows.

Then the standardisation (``--no-standardisation`` leaves it out): the z-score
of docs/design.md §5.5 centres each column of each order at its (lower) median
and scales it by its standard deviation, over every distinct k-gram, most of
them seen once.  The trials replace centre and scale (:func:`standardised`):
the mean as the centre (the z-scores as they were until the median was
chosen); the median and the normal-consistent median absolute deviation
(1.4826 MAD, 1 when it is 0) for all three columns, for the two variations
only, for cohesion only.  Beside each F1 stands a figure from raw text alone,
the *half agreement*: the lines fall into two halves by the CRC-32 of their
text, a lexicon is learned on each half alone, both cut every chunk of the
setting by their unigram code, and the agreement is the F1 of one cut's word
spans against the other's (each chunk weighted by how often it was seen) --
the stability the issue names as a criterion a choice may be made by.  The
median was chosen by it: of the variants tried, it is the one whose halves
agree better than the mean's in every setting (the README, "How the z-scores
are taken", tells how that rule came to be stated).

The README ("What each ingredient was worth", "Tried after discovery", "How
the z-scores are taken") has the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import lzma
import math
import statistics
import sys
import time
import zlib
from collections import Counter
from pathlib import Path
from itertools import repeat
from typing import Iterator
from unittest import mock

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import nlp_zero.discovery  # noqa: E402
import nlp_zero.passes  # noqa: E402
from nlp_zero import Lexicon, WordFinder  # noqa: E402
from nlp_zero.bigram_split import (END, Candidates, bigrams, price_of, shortens, unigram_costs,  # noqa: E402
                                   unigram_cut)
from nlp_zero.evaluation import Score, evaluate, spans  # noqa: E402
from nlp_zero.fileio import read_saved  # noqa: E402
from nlp_zero.text import from_readable, readable, stat_chunks  # noqa: E402
from nlp_zero.tokenizer import Tokenizer  # noqa: E402
from sighan import DEFAULT_DATA, ud_sentences  # noqa: E402

K = 4  # the longest word (WordFinder's default order)
FOLDS = 4


def viterbi(chunk: str, cost: dict[str, float], unknown: float) -> list[str]:
    """The cut of ``chunk`` into words of ``cost`` (single symbols always allowed, at ``unknown`` when absent)
    of least total cost; of equal totals, the one with the shorter last word (the bigram split's re-cut)."""
    return unigram_cut(chunk, cost, unknown, K)


def chunk_counts(lines: list[str]) -> Counter:
    """The learner's chunks of ``lines`` (``stat_chunks``), with how often each was seen."""
    chunks: Counter = Counter()
    for line in lines:
        chunks.update(stat_chunks(line))
    return chunks


def tally(cuts: dict[str, list[str]], chunks: Counter) -> Counter:
    """Word counts of a segmentation (each chunk's words as often as the chunk was seen)."""
    counts: Counter = Counter()
    for chunk, words in cuts.items():
        m = chunks[chunk]
        for w in words:
            counts[w] += m
    return counts


def recut(chunks: Counter, counts: Counter) -> dict[str, list[str]]:
    cost, unknown = unigram_costs(counts)
    return {chunk: viterbi(chunk, cost, unknown) for chunk in chunks}


def bigram_counts(cuts: dict[str, list[str]], chunks: Counter) -> Counter:
    """The word bigrams of a segmentation (chunk ends a word of their own), each chunk's as often as it was
    seen."""
    pairs: Counter = Counter()
    for chunk, words in cuts.items():
        m = chunks[chunk]
        for k in bigrams(words):
            pairs[k] += m
    return pairs


class Bigrams:
    """Word bigram counts of a segmentation, with Witten-Bell back-off to a unigram distribution."""

    def __init__(self, cuts: dict[str, list[str]], chunks: Counter):
        self.pairs = bigram_counts(cuts, chunks)
        self._totals()

    def _totals(self) -> None:
        self.after: Counter = Counter()  # n(v): v followed by anything
        self.kinds: Counter = Counter()  # T(v): distinct followers
        for (v, _), c in self.pairs.items():
            self.after[v] += c
            self.kinds[v] += 1

    def __sub__(self, other: Bigrams) -> Bigrams:
        out = Bigrams({}, Counter())
        out.pairs = self.pairs - other.pairs
        out._totals()
        return out

    def cut(self, chunk: str, unigrams: Counter, total: int) -> list[str]:
        """The Viterbi path of ``chunk`` under ``p(w|v)``; words: the counted ones, and single symbols."""
        def p_uni(w: str) -> float:
            return max(unigrams.get(w, 0), 1) / total

        def cost(v: str, w: str, pw: float) -> float:
            n = self.after.get(v, 0)
            if not n:
                return -math.log(pw)
            t = self.kinds[v]
            return -math.log((self.pairs.get((v, w), 0) + t * pw) / (n + t))

        n = len(chunk)
        states: list[dict] = [{END: (0.0, None, 0)}] + [{} for _ in range(n)]  # [j][w]: (cost, v, start)
        for j in range(1, n + 1):
            for L in range(1, min(K, j) + 1):
                w = chunk[j - L:j]
                if L > 1 and not unigrams.get(w):
                    continue
                pw = p_uni(w)
                states[j][w] = min((c + cost(v, w, pw), v, j - L) for v, (c, _, _) in sorted(states[j - L].items()))
        _, last, _ = min((c + cost(v, END, 1 / total), v, 0) for v, (c, _, _) in sorted(states[n].items()))
        out, j, w = [], n, last
        while j > 0:
            out.append(w)
            _, v, start = states[j][w]
            w, j = v, start
        return out[::-1]


def fold_bigrams(cuts: dict[str, list[str]], chunks: Counter, rounds: int, held_out_unigrams: bool
                 ) -> Iterator[Counter]:
    """The counts after each round of fold-based bigram hard EM (see the module's docstring)."""
    fold = {chunk: zlib.crc32(chunk.encode("utf-8")) % FOLDS for chunk in chunks}
    for _ in range(rounds):
        parts = [{c: ws for c, ws in cuts.items() if fold[c] == f} for f in range(FOLDS)]
        every = Bigrams(cuts, chunks)
        unigrams = tally(cuts, chunks)
        new: dict[str, list[str]] = {}
        for f, part in enumerate(parts):
            model = every - Bigrams(part, chunks)
            uni = unigrams - tally(part, chunks) if held_out_unigrams else unigrams
            total = sum(uni.values())
            new.update((c, model.cut(c, uni, total)) for c in part)
        cuts = new
        yield tally(cuts, chunks)


def nlogn(x: float) -> float:
    return x * math.log(x) if x > 0 else 0.0


def spelling(chunks: Counter):
    """The cost in nats of spelling a word in the lexicon: its symbols under the symbol unigram code."""
    symbols: Counter = Counter()
    for chunk, m in chunks.items():
        for s in chunk:
            symbols[s] += m
    n = sum(symbols.values())
    code = {s: math.log(n / c) for s, c in symbols.items()}
    return lambda w: sum(code[s] for s in w)


def mdl_split(counts: Counter, chunks: Counter) -> Counter:
    """Drop every word whose removal shortens corpus (ML unigram code) + lexicon (spelling), then re-cut."""
    spell = spelling(chunks)
    total = sum(counts.values())
    cost, unknown = unigram_costs(counts)
    leave = []
    for w, c in counts.items():
        if len(w) < 2 or c <= 0:
            continue
        others = dict(cost)
        del others[w]
        parts = Counter(viterbi(w, others, unknown))
        grown = total + (sum(parts.values()) - 1) * c
        gain = nlogn(grown) - nlogn(total) + nlogn(c) - spell(w)  # the change in length without w
        gain -= sum(nlogn(counts.get(p, 0) + t * c) - nlogn(counts.get(p, 0)) for p, t in parts.items())
        if gain < 0:
            leave.append(w)
    kept = Counter({w: c for w, c in counts.items() if w not in set(leave)})
    return tally(recut(chunks, kept), chunks)


def mdl_merge(counts: Counter, chunks: Counter) -> Counter:
    """Add every adjacent pair whose merging shortens corpus + lexicon (see :func:`mdl_split`), then re-cut."""
    spell = spelling(chunks)
    total = sum(counts.values())
    pairs: Counter = Counter()
    for chunk, words in recut(chunks, counts).items():
        for a, b in zip(words, words[1:]):
            if a != b and len(a) + len(b) <= K:
                pairs[a, b] += chunks[chunk]
    merged = Counter(counts)
    for (a, b), c in sorted(pairs.items()):
        na, nb = counts[a], counts[b]
        change = (nlogn(total - c) - nlogn(total) - (nlogn(na - c) - nlogn(na))
                  - (nlogn(nb - c) - nlogn(nb)) - nlogn(c) + spell(a + b))
        if c > 1 and change < 0:
            merged[a + b] += c
    return tally(recut(chunks, merged), chunks)


def bigram_split(cuts: dict[str, list[str]], chunks: Counter, only_holding: bool = False
                 ) -> Iterator[tuple[Counter, list[str]]]:
    """The counts after each round of the bigram split (see the module's docstring), and the words that left
    (the most used first); until no word leaves.  ``only_holding``: each round re-cuts only the chunks that
    hold a leaving word, and the bigrams are updated from those chunks alone."""
    counts = tally(cuts, chunks)
    pairs: Counter = Counter()
    touching: dict[str, Counter] = {}  # word -> its cells, on either side

    def add(change: Counter) -> None:  # (the bigram counts and each word's cells)
        for (v, x), c in change.items():
            pairs[v, x] += c
            for u in {v, x}:
                own = touching.setdefault(u, Counter())
                own[v, x] += c
                if not own[v, x]:
                    del own[v, x]
            if not pairs[v, x]:
                del pairs[v, x]

    add(bigram_counts(cuts, chunks))
    while True:  # (the test is the package's: nlp_zero.bigram_split)
        cand = Candidates(counts)
        price = price_of(counts, sum(chunks.values()))
        leave = {w for w, s in cand.splits.items() if shortens(w, s, touching.get(w, {}), pairs.__getitem__,
                                                                    counts, price)}
        if not leave:
            return
        gone = sorted(leave, key=lambda w: (-counts[w], w))  # (the most used first)
        kept = Counter({w: c for w, c in counts.items() if w not in leave})
        if only_holding:  # (the bigrams change by those of the chunks re-cut)
            old = {chunk: words for chunk, words in cuts.items() if not leave.isdisjoint(words)}
            new = recut(Counter({chunk: chunks[chunk] for chunk in old}), kept)
            change = bigram_counts(new, chunks)
            change.subtract(bigram_counts(old, chunks))
            add(change)
            counts = kept - tally(old, chunks) + tally(new, chunks)
            cuts = {**cuts, **new}
        else:
            cuts = recut(chunks, kept)
            counts = tally(cuts, chunks)
            pairs.clear()
            touching.clear()
            add(bigram_counts(cuts, chunks))
        yield counts, gone


def plug_in(repeated: list[int], total: int) -> float:
    """The plug-in entropy ``ln T - Σ c ln c / T`` (kinds seen once add nothing to the sum)."""
    return math.log(total) - sum(c * math.log(c) for c in repeated) / total


def miller_madow(repeated: list[int], total: int) -> float:
    """The plug-in entropy plus Miller and Madow's ``(kinds - 1) / 2T``."""
    kinds = len(repeated) + total - sum(repeated)
    return plug_in(repeated, total) + (kinds - 1) / (2 * total)


@contextlib.contextmanager
def ingredient(name: str) -> Iterator[int]:
    """Discovery with one ingredient out or replaced, in this process, while the block runs; yields the
    longest word (``WordFinder``'s order) to learn with."""
    if name.startswith("longest word "):
        yield int(name.removeprefix("longest word "))
        return
    if name == "no bigram split":  # (ingredients() learns with split=False)
        yield K
        return
    if name == "mean centre":
        with standardised(name):
            yield K
        return
    if name in ("plug-in", "Miller-Madow"):
        estimate = plug_in if name == "plug-in" else miller_madow
        with mock.patch.object(nlp_zero.passes, "_entropy", estimate), \
                mock.patch.object(nlp_zero.discovery, "_entropy", estimate):
            yield K
        return
    z = nlp_zero.passes._Model._z

    def without(self, k, vr, vl, pmi):  # the z-scores with one part set to 0 (docs/design.md §5.5)
        zr, zl, zp = z(self, k, vr, vl, pmi)
        zero = repeat(0.0, len(vr))
        return (zr, zl, zero) if name == "no cohesion" else (zero, repeat(0.0, len(vr)), zp)

    with mock.patch.object(nlp_zero.passes._Model, "_z", without):
        yield K


INGREDIENTS = ("no bigram split", "mean centre", "no cohesion", "no branching-entropy variation", "plug-in",
               "Miller-Madow", "longest word 3", "longest word 5")


def _robust(values: list[float]) -> tuple[float, float]:
    """The median and 1.4826 times the median absolute deviation of ``values`` (1.0 when that is 0)."""
    centre = statistics.median(values)
    mad = 1.4826 * statistics.median([abs(v - centre) for v in values])
    return centre, mad if mad > 0 else 1.0


def _mean_centre(values: list[float]) -> tuple[float, float]:
    """The mean and the population standard deviation of ``values`` (1.0 when that is 0): the z-scores as
    they were taken before the median became the centre."""
    mean = math.fsum(values) / len(values)
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))
    return mean, sd if sd > 0 else 1.0


#: name -> (the centre and scale of the variations, of cohesion); None keeps the package's median and deviation
STANDARDISATIONS = {
    "mean centre": (_mean_centre, _mean_centre),
    "median and MAD": (_robust, _robust),
    "median and MAD, variations only": (_robust, None),
    "median and MAD, cohesion only": (None, _robust),
}


@contextlib.contextmanager
def standardised(name: str) -> Iterator[None]:
    """Discovery with the centre and scale of each order's columns replaced, in this process, while the block
    runs: the columns are read back from the join files of :meth:`nlp_zero.passes.Plan.score` and the model
    gets the new norms; everything else is the package's."""
    if name == "default":
        yield
        return
    variations, cohesion = STANDARDISATIONS[name]
    score = nlp_zero.passes.Plan.score

    def replaced(self, chunk_path, n, h0):
        model = score(self, chunk_path, n, h0)
        norms = {}
        for k in range(1, model.K + 1):
            cols: list[list[float]] = [[], [], []]
            for parts in model.parts:
                _, columns = nlp_zero.passes._load(parts[k])
                for c in range(3):
                    cols[c] += columns[c]
            norms[k] = tuple(norm if how is None else how(col)
                             for norm, how, col in zip(model.norms[k], (variations, variations, cohesion), cols))
            if k == 1:
                norms[k] = norms[k][:2] + ((0.0, 1.0),)
        return nlp_zero.passes._Model(model.K, norms, model.parts)

    with mock.patch.object(nlp_zero.passes.Plan, "score", replaced):
        yield


def half_agreement(lines: list[str], chunks: Counter, name: str) -> float:
    """The F1 of the word spans of one half's lexicon against the other's, both cutting ``chunks`` (see the
    module's docstring); learned with the standardisation ``name``."""
    cuts = []
    for half in (0, 1):
        part = [line for line in lines if zlib.crc32(line.encode("utf-8")) % 2 == half]
        with standardised(name):
            cost, unknown = unigram_costs(symbol_counts(WordFinder().train(part).find()))
        cuts.append({chunk: set(spans(viterbi(chunk, cost, unknown))) for chunk in chunks})
    same = sum(len(a & cuts[1][chunk]) * chunks[chunk] for chunk, a in cuts[0].items())
    sizes = [sum(len(spans) * chunks[chunk] for chunk, spans in cut.items()) for cut in cuts]
    return 2 * same / sum(sizes)


class Scorer:
    """The scores of cutting a test text with a lexicon (symbol-form word -> count), as sighan.py scores it."""

    def __init__(self, texts: list[str], gold: list[str]):
        self.texts, self.gold = texts, gold

    def __call__(self, counts: Counter) -> Score:
        tokenizer = Tokenizer(Lexicon({readable(w): c for w, c in counts.items() if c > 0}))
        return evaluate(self.gold, [tokenizer.lcut(t) for t in self.texts])


def symbol_counts(lexicon: Lexicon) -> Counter:
    """A learned lexicon's counts, keyed by symbol form (as :class:`Scorer` takes them)."""
    return Counter({from_readable(w): c for w, c in lexicon.counts().items()})


def settings(data: Path) -> dict[str, tuple[str, list[str], Scorer]]:
    """The four settings (see the module's docstring): name -> (label, lines learned from, scorer)."""
    sighan = data / "sighan2005"
    test = [line for _, line in read_saved(str(sighan / "pku_test.utf8"))]
    pku = Scorer(test, [line for _, line in read_saved(str(sighan / "pku_test_gold.utf8"))])
    with lzma.open(data / "corpora" / "pd199801_raw.txt.xz", "rt", encoding="utf-8") as f:
        pd = [line.rstrip("\n") for line in f]
    cases = {"small": ("small (PKU test raw text)", test, pku),
             "pku_half": ("first half of pd199801 + PKU test", pd[:len(pd) // 2] + test, pku),
             "pku": ("PKU-unsupervised (pd199801 + PKU test)", pd + test, pku)}
    conllu = data / "ud" / "gsdsimp_zh_gsdsimp-ud-dev.conllu"
    if conllu.exists():  # (without it, the two PKU settings only)
        sents = ud_sentences(conllu)
        ud_raw = ["".join(ws) for ws in sents]  # as benchmarks/sighan.py: the words joined
        ud = Scorer(ud_raw, [" ".join(ws) for ws in sents])
        cases.update(ud=("UD GSDSimp dev raw text alone", ud_raw, ud),
                     ud_pd=("pd199801 + UD GSDSimp dev raw text", pd + ud_raw, ud))
    return cases


def run(label: str, lines: list[str], scorer: Scorer, rounds: int) -> None:
    t = time.perf_counter()
    lexicon = WordFinder(split=False).train(lines).find()
    learned = time.perf_counter() - t
    chunks = chunk_counts(lines)
    gain = {from_readable(w): lexicon.scores[w]["score"] * len(from_readable(w)) for w in lexicon}
    cost = {w: -g for w, g in gain.items()}  # max Σ score·len = min Σ -score·len, restricted to the words found
    cuts = {chunk: viterbi(chunk, cost, math.inf) for chunk in chunks}
    counts = tally(cuts, chunks)
    same = counts == symbol_counts(lexicon)
    base = scorer(counts).f1
    print(f"\n{label}: {sum(chunks.values()):,} chunks, learned in {learned:.1f} s; the discovery segmentation "
          f"redone gives the lexicon's counts exactly: {same}")
    print(f"  {'trial':52} {'words':>7} {'F1':>7} {'change':>7} {'trial s':>8}")
    started = [time.perf_counter()]

    def row(name: str, c: Counter) -> None:  # (the time: of the trial's own work, since the last row)
        seconds = time.perf_counter() - started[0]
        f1 = scorer(c).f1
        print(f"  {name:52} {sum(1 for v in c.values() if v):>7,} {f1:>7.4f} {100 * (f1 - base):>+7.2f} "
              f"{seconds:>8.1f}", flush=True)
        started[0] = time.perf_counter()

    row("discovery without the bigram split", counts)
    row("unigram re-segmentation", tally(recut(chunks, counts), chunks))
    for held_out in (False, True):
        for r, c in enumerate(fold_bigrams(cuts, chunks, rounds, held_out), 1):
            row(f"fold bigrams{', held-out unigrams' if held_out else ''}, round {r}", c)
    row("MDL split (unigram code + spelling), re-cut", mdl_split(counts, chunks))
    row("MDL merge (unigram code + spelling), re-cut", mdl_merge(counts, chunks))
    for only_holding in (False, True):
        c = counts
        for r, (c, gone) in enumerate(bigram_split(cuts, chunks, only_holding), 1):
            row(f"bigram split{', local re-cut' if only_holding else ''}, round {r} "
                f"({len(gone)} left)", c)
            print(f"    left: {' '.join(map(readable, gone[:12]))}{' ...' if len(gone) > 12 else ''}")
    default = symbol_counts(WordFinder().train(lines).find())
    print(f"  the local re-cut's last round gives the default lexicon's counts exactly: {+c == default}")
    print(f"  ({time.perf_counter() - t:.0f} s)")


def ingredients(label: str, lines: list[str], scorer: Scorer) -> None:
    base = scorer(symbol_counts(WordFinder().train(lines).find())).f1
    print(f"\n{label}: the ingredients of discovery (default F1 {base:.4f})")
    print(f"  {'discovery with':52} {'words':>7} {'F1':>7} {'change':>7}")
    for name in INGREDIENTS:
        with ingredient(name) as order:
            lexicon = WordFinder(order=order, split=name != "no bigram split").train(lines).find()
        f1 = scorer(symbol_counts(lexicon)).f1
        shown = {"plug-in": "plug-in entropy instead of Chao-Shen",
                 "Miller-Madow": "Miller-Madow entropy instead of Chao-Shen",
                 "mean centre": "z-scores centred at the mean, not the median"}.get(name, name)
        print(f"  {shown:52} {len(lexicon):>7,} {f1:>7.4f} {100 * (f1 - base):>+7.2f}", flush=True)


def standardisations(label: str, lines: list[str], scorer: Scorer) -> None:
    chunks = chunk_counts(lines)
    print(f"\n{label}: the standardisation of the scores")
    print(f"  {'z-scores with':52} {'words':>7} {'F1':>7} {'change':>7} {'halves agree':>13}")
    base = None
    for name in ("default",) + tuple(STANDARDISATIONS):
        with standardised(name):
            lexicon = WordFinder().train(lines).find()
        f1 = scorer(symbol_counts(lexicon)).f1
        base = f1 if base is None else base
        shown = "median and deviation (the default)" if name == "default" else name
        print(f"  {shown:52} {len(lexicon):>7,} {f1:>7.4f} {100 * (f1 - base):>+7.2f} "
              f"{half_agreement(lines, chunks, name):>13.4f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="the shared data folder")
    ap.add_argument("--rounds", type=int, default=4, help="rounds of the fold bigrams (fixed in advance: 4)")
    ap.add_argument("--settings", default="small,pku,ud,ud_pd", help="which settings, comma-separated")
    ap.add_argument("--no-trials", action="store_true", help="leave out the trials after discovery")
    ap.add_argument("--no-ingredients", action="store_true", help="leave out the ingredients of discovery")
    ap.add_argument("--no-standardisation", action="store_true", help="leave out the standardisation trials")
    a = ap.parse_args()
    cases = settings(Path(a.data))
    for name in a.settings.split(","):
        if name not in cases:
            print(f"\n{name}: its data is missing, left out")
            continue
        if not a.no_trials:
            run(*cases[name], a.rounds)
        if not a.no_ingredients:
            ingredients(*cases[name])
        if not a.no_standardisation:
            standardisations(*cases[name])


if __name__ == "__main__":
    main()
