"""The bigram split: the last stage of word discovery (docs/design.md §5.9).

The segmentation of :mod:`nlp_zero.discovery` maximises a sum over single
words, so a frequent pair of free words (新的, 这是, 中的) pays for its own
entry: under a unigram code, joining any two words that often meet shortens
the corpus.  Under a *word-bigram* code that association is already paid for
by p(b | a), so the pair keeps its entry only when the words around it tell
it apart from ``a`` followed by ``b``.  This stage makes that test.

The code of a segmentation is the maximum-likelihood conditional code of its
word bigrams, chunk ends being a word of their own (:data:`END`), plus
½ ln T nats for every bigram seen (BIC, Schwarz 1978; T bigram tokens)::

    L = Σ_v n(v) ln n(v) - Σ_{v,x} n(v,x) ln n(v,x) + ½ ln T · #{(v,x): n(v,x) > 0}

A word ``w`` of two symbols or more *leaves* the lexicon when writing every
occurrence of it as ``a b`` shortens L, for some split ``w = a + b`` whose
parts are both words of the lexicon used on their own at least as often as
``w`` ("free parts").  The change of L touches only the cells around ``w``:
``(v, w) -> (v, a)``, ``(w, x) -> (b, x)``, ``(w, w) -> (b, a)``, and
``(a, b)`` gains n(w) (:func:`rewrite`, :func:`shortens`).  The chunks
holding a word that left are then cut again by the unigram code of the words
that stay
(:func:`unigram_cut`), the other chunks keep their cut, and the test repeats
until no word leaves.  Nothing here has a parameter; the free-parts rule is
the one choice made with output in view (see the README).

The test for ``w`` needs every cell holding ``w`` and, for each split, the
cells ``(v, a)`` of the words ``v`` before it, ``(b, x)`` of the words ``x``
after it, ``(a, b)`` and ``(b, a)``.  A cell ``(v, a)`` lies in the same *row*
(first word v) as ``(v, w)``, a cell ``(b, x)`` in the same *column* (second
word x) as ``(w, x)``: so the bigrams, split into parts by their first word
(:func:`left_records`) and again by their second (:func:`right_records`),
give each candidate its cells part by part, whatever engine holds the parts
(:mod:`nlp_zero.passes` in bounded memory, :mod:`nlp_zero.spark`).  Each
decision adds, in a fixed order, the cells' part, the rows' part and the
price, each part an exactly rounded sum (``math.fsum``) of its terms, so the
words that leave never depend on the engine, the budget or the jobs; and
the cells' part, kept from round to round while its cells do not change
(:class:`Known`), is the same number computed again.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Callable, Iterable, Iterator, Mapping

#: A chunk's start and end in the bigram model (never inside a chunk).
END = "\n"

Cell = tuple[str, str]


def nlogn(x: float) -> float:
    return x * math.log(x) if x > 0 else 0.0


class Candidates:
    """The words the test is made for in a round, with their splits into free parts.

    ``splits[w]``: the splits ``(a, b)`` of ``w`` (two symbols or more,
    counted) whose parts are both counted at least as often as ``w``;
    ``pairs[(a, b)]`` and ``pairs[(b, a)]``: the candidates with the split
    ``(a, b)`` (the cells their test looks up outside their own row and column).
    """

    def __init__(self, counts: Mapping[str, int]):
        self.splits: dict[str, tuple[Cell, ...]] = {}
        for w, c in counts.items():
            if c > 0 and len(w) > 1:
                s = tuple((w[:i], w[i:]) for i in range(1, len(w))
                          if counts.get(w[:i], 0) >= c and counts.get(w[i:], 0) >= c)
                if s:
                    self.splits[w] = s
        self._index()

    def _index(self) -> None:
        """``pairs`` from ``splits``."""
        self.pairs: dict[Cell, list[str]] = defaultdict(list)
        for w in sorted(self.splits):
            for a, b in self.splits[w]:
                for key in {(a, b), (b, a)}:
                    self.pairs[key].append(w)

    def __bool__(self) -> bool:
        return bool(self.splits)

    def only(self, words: Iterable[str]) -> Candidates:
        """The same candidates restricted to ``words``."""
        out = Candidates({})
        out.splits = {w: self.splits[w] for w in words}
        out._index()
        return out


def left_records(cells: Iterable[tuple[Cell, int]], get: Callable[[Cell], int], cand: Candidates
                 ) -> Iterator[tuple[str, Cell, int]]:
    """``(w, cell, count)``: what the tests need from a set of whole rows of the bigram table.

    ``cells``: the nonzero cells of those rows; ``get``: a cell's count
    within them (0 if none).  For a cell ``(v, w)`` of a candidate, the cell
    and each ``(v, a)``; for a candidate's own row, its cells; for ``(a, b)``
    and ``(b, a)``, the candidates that split so.
    """
    splits, pairs = cand.splits, cand.pairs
    for (v, x), c in cells:
        if x in splits:
            yield x, (v, x), c
            for a, _ in splits[x]:
                d = get((v, a))
                if d:
                    yield x, (v, a), d
        if v in splits and v != x:
            yield v, (v, x), c
        for w in pairs.get((v, x), ()):
            yield w, (v, x), c


def right_records(cells: Iterable[tuple[Cell, int]], get: Callable[[Cell], int], cand: Candidates
                  ) -> Iterator[tuple[str, Cell, int]]:
    """``(w, cell, count)``: each ``(b, x)`` a candidate's test needs, from a set of whole columns of the
    bigram table (``cells``, ``get`` as in :func:`left_records`)."""
    splits = cand.splits
    for (v, x), c in cells:
        if v in splits:
            for _, b in splits[v]:
                d = get((b, x))
                if d:
                    yield v, (b, x), d


def row_records(rows: Mapping[str, Mapping[str, int]], cand: Candidates, into: dict[str, dict[Cell, int]]
                ) -> None:
    """The records of :func:`left_records` added to ``into`` (:func:`gather`), from whole rows held as
    ``{v: {x: n(v, x)}}`` (nonzero cells): a row is looked up by the candidates it holds, not read cell by cell."""
    splits, keys = cand.splits, cand.splits.keys()
    firsts: dict[str, list] = defaultdict(list)  # v -> (x, the candidates that split so) of each pair (v, x)
    for (v, x), ws in cand.pairs.items():
        firsts[v].append((x, ws))
    for v, row in rows.items():
        get = row.get
        for x in row.keys() & keys:
            cells = into.setdefault(x, {})
            cells[v, x] = row[x]
            for a, _ in splits[x]:
                d = get(a)
                if d:
                    cells[v, a] = d
        if v in splits:
            cells = into.setdefault(v, {})
            for x, c in row.items():
                if x != v:
                    cells[v, x] = c
        for x, ws in firsts.get(v, ()):
            c = get(x)
            if c:
                for w in ws:
                    into.setdefault(w, {})[v, x] = c


def column_records(cols: Mapping[str, Mapping[str, int]], cand: Candidates, into: dict[str, dict[Cell, int]]
                   ) -> None:
    """The records of :func:`right_records` added to ``into`` (:func:`gather`), from whole columns held as
    ``{x: {v: n(v, x)}}`` (nonzero cells)."""
    splits, keys = cand.splits, cand.splits.keys()
    for x, col in cols.items():
        get = col.get
        for v in col.keys() & keys:
            cells = into.setdefault(v, {})
            for _, b in splits[v]:
                d = get(b)
                if d:
                    cells[b, x] = d


def rewrite(own: Mapping[Cell, int], w: str, a: str, b: str) -> tuple[dict[Cell, int], int]:
    """What writing every occurrence of ``w`` as ``a b`` does to the bigram counts: the change of each cell
    it touches, and n(w) (the change of the rows of ``w``, ``a`` and ``b``).  ``own``: the cells holding ``w``."""
    delta: dict[Cell, int] = defaultdict(int)
    n = 0
    for (v, x), c in own.items():
        if v == w:
            n += c
            if x == w:  # w w -> a b a b
                delta[w, w] -= c
                delta[b, a] += c
            else:
                delta[w, x] -= c
                delta[b, x] += c
        else:
            delta[v, w] -= c
            delta[v, a] += c
    delta[a, b] += n
    return delta, n


def cell_change(w: str, a: str, b: str, own: Mapping[Cell, int], get: Callable[[Cell], int]
                ) -> tuple[float, int, int]:
    """The cells' part of the change of the bigram code when ``w`` is written ``a b``: the exactly rounded sum
    of their terms (Σ n ln n before, minus after), the change in the number of cells seen, and n(w)."""
    delta, n = rewrite(own, w, a, b)
    log = math.log
    terms = []
    seen = 0
    for cell, d in delta.items():
        old = get(cell)
        new = old + d
        if old:
            terms.append(old * log(old))
            seen -= 1
        if new:
            terms.append(-new * log(new))
            seen += 1
    return math.fsum(terms), seen, n


def row_change(w: str, a: str, b: str, n: int, counts: Mapping[str, int]) -> float:
    """The rows' part of the same change: the rows of ``w``, ``a`` and ``b`` (a row's total is its word's
    count) lose and gain n(w)."""
    rows: Counter = Counter({w: -n})
    rows[a] += n
    rows[b] += n
    return math.fsum(nlogn(counts.get(r, 0) + d) - nlogn(counts.get(r, 0)) for r, d in rows.items())


def shortens(w: str, splits: Iterable[Cell], own: Mapping[Cell, int], get: Callable[[Cell], int],
             counts: Mapping[str, int], price: float, known: "Known | None" = None) -> bool:
    """Whether writing ``w`` as ``a b``, for one of its ``splits``, shortens the bigram code (the module's
    docstring).  ``own``: the cells holding ``w``; ``get``: any cell's count; ``price``: ½ ln T.  The change
    is the cells' part plus the rows' part plus the price of the cells seen, in that order, each part an
    exactly rounded sum (:func:`_shorter`).  ``known``: the cells' parts from earlier rounds, where their
    cells did not change."""
    change = cell_change if known is None else known.cell_change
    return any(_shorter(w, a, b, change(w, a, b, own, get), counts, price) for a, b in splits)


def _shorter(w: str, a: str, b: str, part: tuple[float, int, int], counts: Mapping[str, int], price: float
             ) -> bool:
    """Whether writing ``w`` as ``a b`` shortens the bigram code, from the cells' part of the change
    (:func:`cell_change`): that part, the rows' part and the price of the cells seen, added in that order."""
    cells, seen, n = part
    return cells + row_change(w, a, b, n, counts) + seen * price < 0


class Known:
    """The cells' parts of the tests (:func:`cell_change`) kept from round to round, each forgotten when a
    cell it read changes (:meth:`forget`): the same numbers as computing them again, without the work.

    The part of ``(w, a, b)`` reads the cells holding ``w``, ``(v, a)`` for
    each ``(v, w)`` counted, ``(b, x)`` for each ``(w, x)`` counted, ``(a, b)``
    and ``(b, a)``.
    """

    def __init__(self):
        self.parts: dict[tuple[str, str, str], tuple[float, int, int]] = {}
        self.keys: dict[str, set] = defaultdict(set)  # w -> its keys
        self.by_first: dict[str, set] = defaultdict(set)  # a -> the words w = a + b known
        self.by_second: dict[str, set] = defaultdict(set)  # b -> the words w = a + b known
        self.by_pair: dict[Cell, set] = defaultdict(set)  # (a, b) and (b, a) -> the words known

    def cell_change(self, w: str, a: str, b: str, own: Mapping[Cell, int], get: Callable[[Cell], int]
                    ) -> tuple[float, int, int]:
        key = (w, a, b)
        got = self.parts.get(key)
        if got is None:
            got = cell_change(w, a, b, own, get)
            self.add(key, got)
        return got

    def forget(self, changed: Iterable[Cell], counted: Callable[[Cell], bool] | None) -> None:
        """Forget the parts that read a cell of ``changed``; ``counted``: whether a cell is counted now (None:
        as if every cell were, which forgets more, never less)."""
        self.forget_words(self.dirty(changed, counted))

    def forget_words(self, words: Iterable[str]) -> None:
        """Forget every part of ``words``."""
        for w in words:
            for key in self.keys.pop(w, ()):
                del self.parts[key]

    def add(self, key: tuple[str, str, str], part: tuple[float, int, int]) -> None:
        """Keep a cells' part computed elsewhere."""
        w, a, b = key
        self.parts[key] = part
        self.keys[w].add(key)
        self.by_first[a].add(w)
        self.by_second[b].add(w)
        self.by_pair[a, b].add(w)
        self.by_pair[b, a].add(w)

    def dirty(self, changed: Iterable[Cell], counted: Callable[[Cell], bool] | None) -> set[str]:
        """The words whose kept parts read a cell of ``changed``."""
        if counted is None:
            counted = _always
        dirty = set()
        keys, first, second, pair = self.keys, self.by_first, self.by_second, self.by_pair
        for p, q in changed:
            if p in keys:
                dirty.add(p)
            if q in keys:
                dirty.add(q)
            for w in first.get(q, ()):  # (p, q) = (v, a): read where (v, w) is counted
                if counted((p, w)):
                    dirty.add(w)
            for w in second.get(p, ()):  # (p, q) = (b, x): read where (w, x) is counted
                if counted((w, q)):
                    dirty.add(w)
            dirty.update(pair.get((p, q), ()))
        return dirty  # (the indexes keep words forgotten: a word in them with no key is skipped, or re-added)


def _always(cell: Cell) -> bool:
    return True


def decides(w: str, splits: Iterable[Cell], parts: Mapping[tuple[str, str, str], tuple[float, int, int]],
            counts: Mapping[str, int], price: float) -> bool:
    """:func:`shortens` from the cells' parts of ``(w, a, b)`` computed before (:func:`cell_change`)."""
    return any(_shorter(w, a, b, parts[w, a, b], counts, price) for a, b in splits)


def cell_parts(records: Mapping[str, Mapping[Cell, int]], cand: Candidates
               ) -> Iterator[tuple[tuple[str, str, str], tuple[float, int, int]]]:
    """``((w, a, b), cells' part)`` of each candidate's splits, from its cells gathered by :func:`left_records`
    and :func:`right_records`."""
    for w, cells in records.items():
        own = {k: c for k, c in cells.items() if w in k}
        get = Counter(cells).__getitem__
        for a, b in cand.splits[w]:
            yield (w, a, b), cell_change(w, a, b, own, get)


def price_of(counts: Mapping[str, int], chunks: int) -> float:
    """½ ln T, T the bigram tokens: every word is followed by one, and every chunk begins with one."""
    return 0.5 * math.log(sum(counts.values()) + chunks)


def leavers(records: Mapping[str, Mapping[Cell, int]], cand: Candidates, counts: Mapping[str, int],
            price: float) -> set[str]:
    """The candidates that leave, from each one's cells gathered by :func:`left_records` and
    :func:`right_records`."""
    parts = dict(cell_parts(records, cand))
    return {w for w in records if decides(w, cand.splits[w], parts, counts, price)}


def gather(records: Iterable[tuple[str, Cell, int]], into: dict[str, dict[Cell, int]]) -> None:
    """Add ``(w, cell, count)`` records to ``into[w]`` (a cell met twice has the same count both times)."""
    for w, cell, c in records:
        into.setdefault(w, {})[cell] = c


def bigrams(words: list[str]) -> Iterator[Cell]:
    """The word bigrams of a chunk's words, with :data:`END` before and after."""
    seq = [END, *words, END]
    return zip(seq, seq[1:])


def unigram_costs(counts: Mapping[str, int]) -> tuple[dict[str, float], float]:
    """``ln N - ln n(w)`` of each counted word, and ``ln N`` (the cost of a single symbol no word spells)."""
    logn = math.log(sum(counts.values()))
    return {w: logn - math.log(c) for w, c in counts.items() if c > 0}, logn


def unigram_cut(chunk: str, cost: Mapping[str, float], unknown: float, K: int) -> list[str]:
    """The cut of ``chunk`` into words of ``cost`` (of at most ``K`` symbols; a single symbol always, at
    ``unknown`` when no word) of least total cost; of equal totals, the one with the shorter last word."""
    n = len(chunk)
    best = [0.0] + [math.inf] * n
    back = [1] * (n + 1)
    get = cost.get
    for j in range(1, n + 1):
        for L in range(1, min(K, j) + 1):
            c = get(chunk[j - L:j])
            if c is None:
                if L > 1:
                    continue
                c = unknown
            if best[j - L] + c < best[j]:
                best[j], back[j] = best[j - L] + c, L
    out = []
    while n > 0:
        out.append(chunk[n - back[n]:n])
        n -= back[n]
    out.reverse()
    return out


def word_changes(words: list[str], new: list[str], m: int) -> Iterator[tuple[str, int]]:
    """What cutting a chunk seen ``m`` times again, ``words`` -> ``new``, does to the word counts."""
    yield from ((w, -m) for w in words)
    yield from ((w, m) for w in new)


def bigram_changes(words: list[str], new: list[str], m: int) -> Iterator[tuple[Cell, int]]:
    """What the same does to the bigram counts."""
    yield from ((k, -m) for k in bigrams(words))
    yield from ((k, m) for k in bigrams(new))


class Recut:
    """A round's re-cut: the words that left, and the unigram code of those that stay."""

    def __init__(self, leave: set[str], counts: Mapping[str, int], K: int):
        self.leave = leave
        self.K = K
        self.cost, self.unknown = unigram_costs({w: c for w, c in counts.items() if w not in leave})

    def __call__(self, words: list[str]) -> list[str] | None:
        """The chunk's new words if it holds a word that left, else None."""
        if self.leave.isdisjoint(words):
            return None
        return unigram_cut("".join(words), self.cost, self.unknown, self.K)
