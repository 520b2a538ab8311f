"""Word discovery from raw text by the minimum-entropy principle (DESIGN.md §2, §3.3).

A string is a good word when it is *autonomous* -- many different things can
follow and precede it, more than follow or precede the strings it extends
-- and *cohesive* -- its parts occur together far more often than chance.
:class:`WordFinder` measures both on exact n-gram counts and segments the
corpus to maximise their sum; the words of that segmentation, with their
counts, are the :class:`~nlp_zero.lexicon.Lexicon`, whose unigram code length
is the corpus cost after learning.

The scores of an n-gram ``x`` of length k (all logs natural):

* branching entropy ``h_r(x)`` = entropy of the symbol after ``x`` (every
  chunk end counts as a distinct continuation), ``h_l(x)`` likewise before,
  both estimated with the Chao-Shen small-sample correction (most n-grams
  are rare, and the plain estimate is biased low for them);
* variation of branching entropy ``vbe_r(x) = h_r(x) - h_r(x[:-1])`` and
  ``vbe_l(x) = h_l(x) - h_l(x[1:])``: entropy rises at a word's end;
* cohesion ``pmi(x)`` = mean over split points of
  ``ln(N n(x) / (n(left) n(right)))`` (the merge gain's PMI, §2);
* each is standardised among *all* k-grams of the corpus (z-score), which is
  what makes orders comparable and the method free of thresholds (nVBE,
  Magistry & Sagot 2012); ``score(x) = z(vbe_l) + z(vbe_r) + z(pmi)``.

The segmentation of a chunk maximises ``Σ score(w) len(w)`` over words of at
most ``order`` symbols (Magistry & Sagot's objective, with cohesion added).
Nothing is tuned per corpus and nothing is read from gold segmentations: the
means and deviations come from the corpus itself; ``order`` (the longest
word) is the only parameter.

Measured on PKU-unsupervised (DESIGN.md §5, ``benchmarks/sighan.py``), F1:
autonomy alone 0.776, autonomy + cohesion 0.796, with the Chao-Shen entropy
estimate 0.801 (learning from the 173k-character test text alone: 0.720,
then 0.758 with Chao-Shen).  Tried and left out, because they did not
pay: soft EM over the lexicon lattice (±0.1 point; over all frequent n-grams
it collapses to long words, 0.50), MDL pruning with the spelling cost as the
length prior (±0, −1.4 on the small setting), a second pass over words to
find compounds (−2), rank instead of z-score standardisation (−1), choosing a
per-word cost by held-out code length (code length keeps falling as words
grow longer, so it picks ever longer words).  Limits: most remaining errors
are PKU conventions statistics cannot see (X市, X性, 社会主义 as one word; 1月 1日,
新 的, 这 一 as two) and rare words split apart.

The learner's state is the multiset of chunks it has seen (a Counter of
strings): :meth:`WordFinder.train` adds to it, two finders add up exactly
(:meth:`WordFinder.merge`, ``+``), and it saves to and loads from a plain text
file.  :meth:`WordFinder.find` works on the state alone, so shards learned
apart and merged give byte-identical lexicons to one run.

>>> wf = WordFinder().train(['吃葡萄不吐葡萄皮，不吃葡萄倒吐葡萄皮。'] * 3 + ['葡萄很甜，我吃葡萄。'])
>>> lex = wf.find()
>>> '葡萄' in lex, wf.stats.bits_per_char_after < wf.stats.bits_per_char_before
(True, True)
"""

from __future__ import annotations

import logging
import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from itertools import chain, repeat
from typing import Iterable

from .counting import ngram_counts
from .errors import FormatError, NlpZeroError
from .fileio import atomic_write, read_saved, whole_number
from .lexicon import Lexicon
from .text import CLASS_SYMBOLS, from_readable, readable, stat_chunks

log = logging.getLogger(__name__)

FORMAT_HEADER = "#nlp-zero wordfinder 1"
_LN2 = math.log(2)


@dataclass(frozen=True)
class DiscoveryStats:
    """What :meth:`WordFinder.find` measured: sizes and the corpus cost (§2)."""

    lines: int
    chunks: int
    chars: int  # symbols counted (an alphanumeric run is one symbol)
    words: int  # lexicon size
    tokens: int  # word tokens in the learned segmentation of the corpus
    bits_per_char_before: float  # unigram model of single characters
    bits_per_char_after: float  # unigram model of the learned words

    def as_dict(self) -> dict:
        return asdict(self)


def code_length(counts: Iterable[int]) -> float:
    """Cost in nats of a corpus under the unigram model of its own counts: ``-Σ n ln(n/T)``."""
    counts = [c for c in counts if c > 0]
    total = sum(counts)
    if not total:
        return 0.0
    return total * math.log(total) - math.fsum(c * math.log(c) for c in counts)


def _entropy(repeated: list[int], total: int) -> float:
    """Entropy (nats) of a distribution seen ``total`` times, estimated for small samples.

    ``repeated`` are the counts of the kinds seen twice or more; the rest of
    the ``total`` observations were each of a kind seen once.  The plug-in
    estimate ``ln T - Σ c ln c / T`` is biased low, the more so the fewer the
    observations, which is exactly the case of rare n-grams.  The Chao-Shen
    estimator (Chao & Shen 2003) corrects it: probabilities are scaled by the
    sample coverage ``C = 1 - f1/T`` (Good-Turing; f1 = kinds seen once) and
    each term is weighted by the inverse chance ``1 - (1 - p)^T`` that its kind
    was seen at all.  It has no parameter.  On PKU it lifts F1 from 0.720 to
    0.758 learning from 173k characters, and from 0.796 to 0.801 from 1.8M
    (Miller-Madow's correction: 0.737 and 0.800).
    """
    f1 = total - sum(repeated)
    if f1 >= total:  # nothing repeated: Chao-Shen's adjustment keeps C > 0
        f1 = total - 1
    cover = 1.0 - f1 / total
    log_ = math.log
    h = 0.0
    for c in repeated:
        p = cover * c / total
        h -= p * log_(p) / (1.0 - (1.0 - p) ** total)
    if f1:
        p = cover / total
        h -= f1 * p * log_(p) / (1.0 - (1.0 - p) ** total)
    return h


def _zscores(values: list[float]) -> tuple[float, float]:
    """Mean and standard deviation (1.0 when degenerate, so z-scores stay finite)."""
    n = len(values)
    if not n:
        return 0.0, 1.0
    mean = math.fsum(values) / n
    var = math.fsum((v - mean) ** 2 for v in values) / n
    return mean, math.sqrt(var) if var > 0 else 1.0


class WordFinder:
    """Learns a lexicon from raw text (DESIGN.md §3.3).

    ``order`` is the longest word, in symbols (a Han character or one
    alphanumeric run).  Usage: ``train(lines)`` as often as needed (additive),
    then ``find()`` -> :class:`Lexicon`; ``stats`` then holds the sizes and the
    bits per character before and after learning.
    """

    def __init__(self, order: int = 4):
        if not 1 <= order <= 16:
            raise NlpZeroError(f"order must be between 1 and 16, not {order}")
        self.order = order
        #: the learner's state: statistical chunks (symbol form) -> times seen
        self.chunks: Counter[str] = Counter()
        self.lines = 0
        self.stats: DiscoveryStats | None = None

    # -- learning state ----------------------------------------------------

    def train(self, lines: Iterable[str]) -> WordFinder:
        """Add the chunks of ``lines`` to the state (additive; call again with more text)."""
        if isinstance(lines, (str, bytes)):
            raise TypeError("lines must be an iterable of strings, not one string (wrap a single text in a list)")
        update = self.chunks.update
        n = 0
        for line in lines:
            update(stat_chunks(line))
            n += 1
        self.lines += n
        return self

    def merge(self, other: WordFinder) -> None:
        """Add ``other``'s state into this one (shards learned apart)."""
        self.chunks.update(other.chunks)
        self.lines += other.lines

    def __add__(self, other: WordFinder) -> WordFinder:
        if not isinstance(other, WordFinder):
            return NotImplemented
        out = WordFinder(max(self.order, other.order))
        out.merge(self)
        out.merge(other)
        return out

    def __repr__(self) -> str:
        return f"WordFinder(order={self.order}, lines={self.lines}, chunks={len(self.chunks)})"

    @property
    def chars(self) -> int:
        """Symbols seen so far."""
        return sum(len(c) * m for c, m in self.chunks.items())

    def save(self, path: str) -> None:
        """Write the state: a header, then ``count<TAB>chunk`` lines sorted by chunk.

        Class symbols are written ``<NUM>``/``<LAT>``; nothing is evaluated on load.
        """
        with atomic_write(path) as f:
            f.write(f"{FORMAT_HEADER}\n#order {self.order}\n#lines {self.lines}\n")
            for chunk in sorted(self.chunks):
                f.write(f"{self.chunks[chunk]}\t{readable(chunk)}\n")

    @classmethod
    def load(cls, path: str) -> WordFinder:
        """Read a state written by :meth:`save` (BOM and CRLF tolerated)."""
        header: dict[str, int] = {}
        wf: WordFinder | None = None
        for lineno, line in read_saved(path):
            if lineno == 1:
                if line != FORMAT_HEADER:
                    raise FormatError(path, f"not a word finder state (expected {FORMAT_HEADER!r})", 1)
            elif lineno <= 3:
                key, _, value = line.partition(" ")
                if key not in ("#order", "#lines") or key in header or whole_number(value) is None:
                    raise FormatError(path, f"bad header line {line!r}", lineno)
                header[key] = int(value)
            else:
                if wf is None:
                    wf = cls._from_header(path, header)
                count, tab, chunk = line.partition("\t")
                n = whole_number(count)
                if not tab or n is None or not chunk or any(ch.isspace() for ch in chunk):
                    raise FormatError(path, "expected count<TAB>chunk", lineno)
                wf.chunks[from_readable(chunk)] += n
        return wf if wf is not None else cls._from_header(path, header)

    @classmethod
    def _from_header(cls, path: str, header: dict[str, int]) -> WordFinder:
        if len(header) != 2:
            raise FormatError(path, "truncated header (needs #order and #lines)")
        try:
            wf = cls(header["#order"])
        except NlpZeroError as e:
            raise FormatError(path, str(e), 2) from None
        wf.lines = header["#lines"]
        return wf

    # -- discovery ---------------------------------------------------------

    def _count(self, items: list[tuple[str, int]], k: int) -> Counter:
        """Exact counts of all k-grams of the corpus (each chunk as often as it was seen)."""
        return ngram_counts(chain.from_iterable(repeat(chunk, m) for chunk, m in items), k)

    def find(self) -> Lexicon:
        """Score every n-gram, segment the corpus, return the words with their counts.

        Each word carries the scores that admitted it (``score``, ``nvbe``,
        ``cohesion`` -- standardised -- and ``pmi`` in nats).
        """
        items = sorted(self.chunks.items())
        if not any(set(c) - set(CLASS_SYMBOLS) for c, _ in items):
            raise NlpZeroError("no Han text to learn from")
        model = _ScoreModel(self, items)
        counts: Counter = Counter()
        for chunk, m in items:
            for w in model.segment(chunk):
                counts[w] += m
        scores = {w: model.scores(w) for w in sorted(counts)}
        lexicon = Lexicon(counts, scores)
        chars = model.n
        self.stats = DiscoveryStats(
            lines=self.lines,
            chunks=sum(m for _, m in items),
            chars=chars,
            words=len(counts),
            tokens=sum(counts.values()),
            bits_per_char_before=code_length(model.unigrams.values()) / chars / _LN2,
            bits_per_char_after=code_length(counts.values()) / chars / _LN2,
        )
        log.info("%d words from %d symbols; %.3f -> %.3f bits/char", len(counts), chars,
                 self.stats.bits_per_char_before, self.stats.bits_per_char_after)
        return lexicon


class _ScoreModel:
    """Branching entropies, their variations and cohesion, standardised per order.

    Only n-grams seen at least twice are stored; an n-gram seen once has both
    branching entropies 0 (one continuation, under any estimator), so its
    scores follow from its parts and are computed when needed.  Two orders of full counts are in
    memory at a time.
    """

    def __init__(self, finder: WordFinder, items: list[tuple[str, int]]):
        K = finder.order
        cur = finder._count(items, 1)
        self.unigrams = dict(cur)
        n = self.n = sum(cur.values())
        h0 = _entropy([c for c in cur.values() if c > 1], n)
        self.count: dict[str, int] = {"": n}
        self.h_r: dict[str, float] = {"": h0}
        self.h_l: dict[str, float] = {"": h0}
        # per order k: (mean, sd) of vbe_r, vbe_l, pmi
        self.norm: dict[int, tuple[tuple[float, float], ...]] = {}
        count, h_r, h_l = self.count, self.h_r, self.h_l
        for k in range(1, K + 1):
            nxt = finder._count(items, k + 1)  # for the branching entropies of k-grams
            # Counts of the right (left) extensions seen twice or more; the
            # other occurrences are followed by a unique extension or by a
            # chunk end, and count as distinct kinds seen once.
            ext_r: defaultdict = defaultdict(list)
            ext_l: defaultdict = defaultdict(list)
            for g, c in nxt.items():
                if c > 1:
                    ext_r[g[:-1]].append(c)
                    ext_l[g[1:]].append(c)
            for x, c in cur.items():
                if c > 1:
                    count[x] = c
                    h_r[x] = _entropy(ext_r.get(x, []), c)
                    h_l[x] = _entropy(ext_l.get(x, []), c)
            del ext_r, ext_l
            vr = [h_r.get(x, 0.0) - h_r.get(x[:-1], 0.0) for x in cur]
            vl = [h_l.get(x, 0.0) - h_l.get(x[1:], 0.0) for x in cur]
            pm = [self._pmi(x) for x in cur] if k > 1 else [0.0]
            self.norm[k] = (_zscores(vr), _zscores(vl), _zscores(pm))
            del vr, vl, pm
            cur = nxt
        del cur
        self._score_cache: dict[str, float] = {}

    def _n(self, x: str) -> int:
        return self.count.get(x, 1)  # every substring of the corpus occurs at least once

    def _pmi(self, x: str) -> float:
        """Mean over split points of ln(N n(x) / (n(left) n(right))) (§2)."""
        k = len(x)
        if k < 2:
            return 0.0
        n, cnt = self.n, self._n
        nx = cnt(x)
        return math.fsum(math.log(n * nx / (cnt(x[:i]) * cnt(x[i:]))) for i in range(1, k)) / (k - 1)

    def scores(self, x: str) -> dict[str, float]:
        """The standardised scores of n-gram ``x`` (which must occur in the corpus)."""
        (mr, sr), (ml, sl), (mp, sp) = self.norm[len(x)]
        h_r, h_l = self.h_r, self.h_l
        zr = (h_r.get(x, 0.0) - h_r.get(x[:-1], 0.0) - mr) / sr
        zl = (h_l.get(x, 0.0) - h_l.get(x[1:], 0.0) - ml) / sl
        pmi = self._pmi(x)
        zp = (pmi - mp) / sp if len(x) > 1 else 0.0
        return {"score": zr + zl + zp, "nvbe": zr + zl, "cohesion": zp, "pmi": pmi}

    def score(self, x: str) -> float:
        s = self._score_cache.get(x)
        if s is None:
            s = self.scores(x)["score"]
            if x in self.count:  # n-grams seen once never come back
                self._score_cache[x] = s
        return s

    def segment(self, chunk: str) -> list[str]:
        """The words of ``chunk`` maximising Σ score(w)·len(w) (dynamic programming)."""
        n = len(chunk)
        K = len(self.norm)
        score = self.score
        best = [0.0] * (n + 1)
        back = [0] * (n + 1)
        for j in range(1, n + 1):
            b = -math.inf
            arg = 1
            for L in range(1, min(K, j) + 1):
                v = best[j - L] + score(chunk[j - L:j]) * L
                if v > b:
                    b, arg = v, L
            best[j] = b
            back[j] = arg
        words = []
        j = n
        while j > 0:
            words.append(chunk[j - back[j]:j])
            j -= back[j]
        words.reverse()
        return words
