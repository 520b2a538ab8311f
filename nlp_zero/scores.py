"""The formulas of word discovery that do not depend on how the work is split (docs/design.md §5).

* :func:`code_length`: the cost of a corpus under the unigram model of its
  own counts (§2 of the design: learning is lowering it);
* :func:`entropy`: a branching entropy, estimated for small samples;
* :func:`exact_partials`: the exact sum of some floats, as a few floats --
  so that sums taken apart (per pass, per machine) add up to exactly what
  one ``math.fsum`` over all the values gives;
* :class:`Median`: the exact lower median of values seen in passes (the
  centre of the z-scores, docs/design.md §5.5), in bounded memory -- each
  pass answers :func:`answer` for the values it holds, the answers add up
  (:func:`add_answers`) in any grouping, and the median follows from them
  (:func:`narrow` makes the passes).
"""

from __future__ import annotations

import itertools
import math
import struct
from array import array
from collections import Counter
from itertools import compress, repeat
from operator import and_, eq, neg, rshift
from typing import Callable, Iterable, Mapping, Union


def code_length(counts: Iterable[int]) -> float:
    """Cost in nats of a corpus under the unigram model of its own counts: ``-Σ n ln(n/T)``."""
    counts = [c for c in counts if c > 0]
    total = sum(counts)
    if not total:
        return 0.0
    return total * math.log(total) - math.fsum(c * math.log(c) for c in counts)


def entropy(repeated: list[int], total: int) -> float:
    """Entropy (nats) of a distribution seen ``total`` times, estimated for small samples.

    ``repeated`` are the counts of the kinds seen twice or more; the rest of
    the ``total`` observations were each of a kind seen once.  The plug-in
    estimate ``ln T - Σ c ln c / T`` is biased low, the more so the fewer the
    observations, which is exactly the case of rare n-grams.  The Chao-Shen
    estimator (Chao & Shen 2003) corrects it: probabilities are scaled by the
    sample coverage ``C = 1 - f1/T`` (Good-Turing; f1 = kinds seen once) and
    each term is weighted by the inverse chance ``1 - (1 - p)^T`` that its kind
    was seen at all.  It has no parameter, and it paid on both PKU settings
    more than Miller-Madow's correction did (``benchmarks/sighan.py``; the
    figures are in the README).  One departure from the published estimator:
    when every kind was seen once, f1 is taken as T - 1 so that C > 0, and
    the sum then runs over those T - 1 kinds (tests/test_reference.py pins it).
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


def exact_partials(values: Iterable[float]) -> list[float]:
    """A few floats whose exact sum is the exact sum of ``values`` (finite floats).

    ``math.fsum`` is exact inside but rounds its result once; the remainder
    it rounded away is ``fsum(values + [-that result])``, and so on until
    nothing remains (the exact sum of doubles is a multiple of 2**-1074, so
    this ends, after two or three rounds).  So ``fsum`` of the partials of
    several groups of values equals ``fsum`` of all the values, bit for bit,
    however they were grouped -- unlike ``fsum`` of the groups' own ``fsum`` results.

    >>> vals = [1e16, 1.0, -1e16, 1e-3] * 3
    >>> parts = exact_partials(vals[:5]) + exact_partials(vals[5:])
    >>> math.fsum(parts) == math.fsum(vals)
    True
    """
    values = values if isinstance(values, (list, tuple)) or hasattr(values, "typecode") else list(values)
    parts: list[float] = []
    while True:
        rest = math.fsum(itertools.chain(values, map(neg, parts)))
        if rest == 0.0:
            return parts
        parts.append(rest)


#: At most this many values of one column are brought together to find a median (8 bytes each); more
#: than that share the bits known so far, and the next pass counts the values by their next 16 bits.
GATHER = 1 << 18

#: What a pass is asked about one column: ``(bits, prefix, gather)`` -- among the values whose IEEE 754
#: pattern begins with the ``bits`` bits ``prefix``, their next 16 bits counted, or (``gather``) the values.
Ask = tuple[int, int, bool]
#: The answer: the counts by the next 16 bits with the least and the greatest pattern of those values
#: (:data:`NONE_SEEN` where there are none), or the gathered values.
Answer = Union[tuple[Counter, int, int], array]
NONE_SEEN = (1 << 64, -1)


def _patterns(values: array) -> array:
    """The IEEE 754 bit patterns of doubles, as unsigned 64-bit integers."""
    raw = array("Q")
    raw.frombytes(values.tobytes())
    return raw


def answer(values: Iterable[float], ask: Ask) -> Answer:
    """What one pass's ``values`` (one column's share) say to ``ask`` (see :data:`Ask`, :data:`Answer`)."""
    values = values if isinstance(values, array) and values.typecode == "d" else array("d", values)
    bits, prefix, gather = ask
    raw = _patterns(values)
    if bits:
        inside = list(map(eq, map(rshift, raw, repeat(64 - bits)), repeat(prefix)))
        if gather:
            return array("d", compress(values, inside))
        raw = array("Q", compress(raw, inside))
    elif gather:
        return array("d", values)
    if not raw:
        return Counter(), *NONE_SEEN
    return Counter(map(and_, map(rshift, raw, repeat(48 - bits)), repeat(0xFFFF))), min(raw), max(raw)


def add_answers(a: Answer, b: Answer) -> Answer:
    """Two shares' answers to the same ask, as one (counts added, the least and greatest kept; gathered
    values joined)."""
    if isinstance(a, array):
        return a + b
    return a[0] + b[0], min(a[1], b[1]), max(a[2], b[2])


class Median:
    """The lower median -- the ``(n + 1) // 2``-th smallest -- of ``n`` values seen in passes, exactly.

    Each pass is asked :meth:`ask` and its answers, added, go to :meth:`take`,
    until :attr:`value` is found.  The values are narrowed by their bit
    patterns, 16 bits a pass (the patterns of doubles sort as the doubles do
    once the negative ones are reversed), and gathered once at most
    :data:`GATHER` of them share the bits known; where all that share them
    have one pattern (the many 0s of the longer orders), that is the value:
    at most four passes, and no pass holds more than 65,536 counts or
    :data:`GATHER` values of a column.

    >>> vals = [3.5, -1.0, 2.0, 2.0, 0.0, -7.25, 9.0]
    >>> m = Median(len(vals))
    >>> while m.value is None:
    ...     m.take(answer(vals, m.ask()))
    >>> m.value
    2.0
    """

    def __init__(self, n: int):
        if n < 1:
            raise ValueError("the median of no values")
        self.rank = (n - 1) // 2  # (among the values that share the bits known)
        self.bits = self.prefix = 0
        self.size = n
        self.value: float | None = None

    def ask(self) -> Ask:
        return self.bits, self.prefix, self.size <= GATHER

    def take(self, got: Answer) -> None:
        if isinstance(got, array):
            self.value = sorted(got)[self.rank]
            return
        counts, least, greatest = got
        if least == greatest:  # (one pattern only: no need to narrow further)
            self.value = _double(least)
            return
        if self.bits:
            backward = (self.prefix >> (self.bits - 1)) & 1  # (a negative value: larger patterns are smaller)
            order = sorted(counts, reverse=bool(backward))
        else:  # (the first 16 bits hold the sign: the negative values first, the most negative first)
            order = sorted(counts, key=lambda c: (~c & 0xFFFF) if c & 0x8000 else c | 0x8000)
        for chunk in order:
            if self.rank < counts[chunk]:
                break
            self.rank -= counts[chunk]
        self.prefix = (self.prefix << 16) | chunk
        self.bits += 16
        self.size = counts[chunk]
        if self.bits == 64:
            self.value = _double(self.prefix)


def narrow(medians: dict, ask_pass: Callable[[dict], Mapping]) -> int:
    """Passes until each of ``medians`` (any keys) is found: ``ask_pass(asks)`` makes one, given the
    :meth:`Median.ask` of each median not yet found, and returns each one's answers, added.  At least one
    pass is made (the caller's pass may do other work too); returns how many were."""
    made = 0
    while not made or any(m.value is None for m in medians.values()):
        asks = {key: m.ask() for key, m in medians.items() if m.value is None}
        got = ask_pass(asks)
        for key in asks:
            medians[key].take(got[key])
        made += 1
    return made


def _double(pattern: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", pattern))[0]
