"""The formulas of word discovery that do not depend on how the work is split (docs/design.md §5).

* :func:`code_length`: the cost of a corpus under the unigram model of its
  own counts (§2 of the design: learning is lowering it);
* :func:`entropy`: a branching entropy, estimated for small samples;
* :func:`exact_partials`: the exact sum of some floats, as a few floats --
  so that sums taken apart (per pass, per machine) add up to exactly what
  one ``math.fsum`` over all the values gives.
"""

from __future__ import annotations

import itertools
import math
from operator import neg
from typing import Iterable


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
