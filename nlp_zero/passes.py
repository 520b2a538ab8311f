"""The passes of :meth:`WordFinder.find`: the disk-backed dataflow (docs/design.md §6).

:class:`~nlp_zero.discovery.WordFinder` holds the learner's state and the
formulas' meaning; this module runs them over a corpus of any size.  The
stages, each over keyed records (an n-gram, or a chunk, and its values),
so that another engine could run the same stages:

1. :func:`write_chunks` -- the chunk multiset as a file of blocks;
2. forward passes (by an n-gram's first symbol, or first two where one
   symbol has too many n-grams), backward passes (by its last symbol, or
   last two) and join passes: the columns of every n-gram;
3. the standardisation: exact sums over all n-grams;
4. candidate passes, order by order: the n-grams a segmentation can choose;
5. segmentation passes over batches of chunks: the word counts, and each
   chunk's cut in a *cut file*;
6. the bigram split's rounds over the cut files (:mod:`nlp_zero.bigram_split`).

:class:`Plan` sizes the passes to a memory budget and runs them with
:func:`nlp_zero.pool.run_tasks`.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import itertools
import logging
import math
import os
import re
import sys
import zlib
from array import array
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from itertools import compress, repeat
from operator import add, eq, gt, itemgetter, mul, not_, sub, truediv
from typing import Callable, Iterable, Iterator, Mapping

from .bigram_split import (END, Candidates, Known, Recut, bigram_changes, gather, leavers, left_records,
                           price_of, right_records, shortens, word_changes)
from .counting import add_counts, ngram_regex
from .pool import run_tasks, shared
from .scores import Ask, Median, add_answers, answer, entropy as _entropy, exact_partials, narrow
from .spill import WorkArea, rss
from .text import readable

FIRST: Ask = (0, 0, False)  # (the first pass's question to a column: its values' first 16 bits)
log = logging.getLogger("nlp_zero.discovery")  # (the passes log as the learner they serve)

# -- the passes of find() -------------------------------------------------
#
# What each n-gram x of length k <= K needs (docs/design.md §6):
#
#   n(x), h_r(x), h_r(x[:-1]) and n(x[:i]) for its prefixes   -- "forward"
#   h_l(x), h_l(x[1:]) and n(x[i:]) for its suffixes           -- "backward"
#
# h_r(x) is the entropy of the (k+1)-grams that extend x on the right, which
# begin with x's first symbol; x's prefixes begin with it too.  So every
# forward quantity of x is computed from the n-grams that begin with x's first
# symbol, and every backward one from those that end with x's last symbol.
# That is what makes the work split exactly: a *forward pass* counts (orders
# 1..K+1, exactly) only the n-grams whose first symbol lies in its range of
# symbols, and hands each count on to the *backward pass* of the range of
# the n-gram's last symbol, which so gets all the n-grams that end in its
# range without reading the text; each pass writes one record per n-gram.
# A *join pass* per forward range pairs the two records
# of every n-gram; the standardisation needs sums over all n-grams, taken
# with math.fsum, which is exact whatever the order of the terms.
# *Candidate passes* keep the n-grams a segmentation can ever choose (a small
# share, see _candidates_pass), and *segmentation passes* over batches of
# chunks use that table.  Every value is computed the same way whatever the
# ranges and batches, so the lexicon is byte-identical for any budget and any
# number of jobs.  (Where one symbol has more n-grams than a pass holds, its
# n-grams are split by their first two symbols, backward by their last two:
# see Plan._ranges and _singles_apart.)

#: Memory per n-gram held by a pass (dict slots, the key string, its count,
#: statistics), in bytes; measured on laws_prc (benchmarks/scale.py).
BYTES_PER_NGRAM = 170
#: Memory per distinct word bigram held by the bigram split in memory (the table's slot and key, each
#: word's copy of the cell), in bytes: 321 measured on People's Daily 1998-01 + PKU test (tracemalloc).
BYTES_PER_BIGRAM = 320
#: Memory of a worker process before it does anything (the interpreter, the package).
WORKER_BASE = 24 << 20
#: The smallest share of the budget a pass is given.
MIN_PASS = 24 << 20


#: Files a scatter pass keeps open at once (well under the usual limit of 1024).
OPEN_FILES = 256
#: Characters per block of the chunk file, and the most that may wait to be written (see write_chunks).
BLOCK_CHARS = 1 << 18
WAITING_CHARS = 1 << 23
#: Characters of a cut file a re-cut pass checks at once for the words that left (see _recut_pass).
RECUT_CHARS = 1 << 14
#: Characters of cut files read at once to count their bigrams.
CUT_READ_CHARS = 1 << 20
#: Characters a segmentation pass looks up at once.
SEGMENT_CHARS = 1 << 15


@dataclass
class _Written:
    """What :func:`write_chunks` wrote: block sizes, and counts taken on the way."""

    blocks: list[int]  # each block's size in characters
    occurrences: Counter  # of each symbol in the distinct chunks
    unigrams: Counter  # of each symbol in the corpus
    chunks: int  # chunks in the corpus (Σ m)


def write_chunks(path: str, pairs: Iterable[tuple[str, int]]) -> _Written:
    """Write the chunk multiset (``(chunk, m)`` pairs, any order) to ``path`` in blocks.

    A block is a header ``m length``, then ``length`` characters: chunks seen
    m times, each followed by a newline -- ready for the counting regexes,
    with no parsing per chunk.  Chunks are gathered per m and a block is
    written when it reaches :data:`BLOCK_CHARS`; when the chunks waiting add
    up to more than :data:`WAITING_CHARS`, the largest waiting group is written
    as it is.  (Which chunks share a block, and in what order, changes
    nothing computed from the file: every count is a sum of integers.)
    """
    waiting: dict[int, list[str]] = defaultdict(list)
    sizes: dict[int, int] = defaultdict(int)
    out = _Written([], Counter(), Counter(), 0)
    total = 0

    def flush(f, m: int) -> None:
        block = waiting.pop(m)
        size = sizes.pop(m)
        f.write(f"{m} {size}\n")
        f.writelines(block)
        out.blocks.append(size)
        seen = Counter("".join(block))
        del seen["\n"]
        out.occurrences.update(seen)
        out.unigrams.update(seen if m == 1 else {ch: c * m for ch, c in seen.items()})

    with open(path, "w", encoding="utf-8") as f:
        for chunk, m in pairs:
            waiting[m].append(chunk + "\n")
            sizes[m] += len(chunk) + 1
            out.chunks += m
            total += len(chunk) + 1
            if sizes[m] >= BLOCK_CHARS:
                total -= sizes[m]
                flush(f, m)
            elif total > WAITING_CHARS:
                largest = max(sizes, key=lambda k: (sizes[k], k))
                total -= sizes[largest]
                flush(f, largest)
        for m in sorted(waiting):
            flush(f, m)
    return out


def _tails_regex(K: int, cls: str | None) -> re.Pattern:
    """The last 1..K symbols of each chunk, newline included, where the first of them is in ``cls`` (None: any)."""
    if cls is None:
        cls = "^\n"
    return re.compile(f"(?=([{cls}][^\n]{{0,{K - 1}}}\n))")


def _chunk_texts(path: str, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, str]]:
    """``(m, text)`` for blocks ``start:stop`` of a chunk file (see :func:`write_chunks`)."""
    with open(path, encoding="utf-8") as f:
        i = 0
        while stop is None or i < stop:
            header = f.readline()
            if not header:
                return
            m, size = map(int, header.split())
            text = f.read(size)
            if i >= start:
                yield m, text
            i += 1


def _count(path: str, regex: re.Pattern, start: int = 0, stop: int | None = None) -> Counter:
    """Exact counts of the matches of ``regex`` in the chunks of a chunk file, each chunk weighted by m."""
    table: Counter = Counter()
    for m, text in _chunk_texts(path, start, stop):
        add_counts(table, regex.findall(text), m)
    return table


def _pairs(path: str, symbols: list[str]) -> tuple[tuple[Counter, Counter], tuple[Counter, Counter]]:
    """The 2-grams that begin with one of ``symbols`` and those that end with one, in one read of a chunk
    file: each ``(in how many places of the distinct chunks, how often in the corpus)``."""
    cls = "".join(f"\\U{ord(s):08x}" for s in symbols)
    begin, end = re.compile(f"(?=([{cls}][^\n]))"), re.compile(f"(?=([^\n][{cls}]))")
    places_a, after, places_b, before = Counter(), Counter(), Counter(), Counter()
    for m, text in _chunk_texts(path):
        for regex, places, weighted in ((begin, places_a, after), (end, places_b, before)):
            found = regex.findall(text)
            places.update(found)
            add_counts(weighted, found, m)
    return (places_a, after), (places_b, before)


def _singles_apart(after: Counter, before: Counter, split: list[str], unigrams: Counter) -> tuple[dict, dict]:
    """``(n, h_r)`` and ``(n, h_l)`` of the symbols whose n-grams are split between passes, from the counts
    of the 2-grams that begin (``after``) and end (``before``) with them (the entropies as
    :func:`_entropies` computes them)."""
    sides = []
    for table, at in ((after, 0), (before, 1)):
        ext = defaultdict(list)
        for g, c in table.items():
            if c > 1:
                ext[g[at]].append(c)
        sides.append({s: (unigrams[s], _entropy(tuple(sorted(ext[s])), unigrams[s]) if unigrams[s] > 1 else 0.0)
                      for s in split})
    return sides[0], sides[1]


# A *part* is one group of records in a file pair ``prefix.keys`` (n-grams,
# one a line, UTF-8) / ``prefix.num`` (columns, binary arrays, one after the
# other): ``(prefix, key offset, key bytes, column offset, records)``.  A pass
# that hands records on to passes of several ranges writes one file pair,
# grouped by range, and the consumers read their parts -- so the number of
# files grows with the number of passes, not with its square.


def _append(fk, fn, prefix: str, keys: list[str], columns) -> tuple:
    """Append one group of records to open files; its part."""
    key_at, num_at = fk.tell(), fn.tell()
    step = 1 << 16  # lines a write: the text of all of them at once would be a big transient copy
    for i in range(0, len(keys), step):
        fk.write(("\n".join(keys[i:i + step]) + "\n").encode("utf-8"))
    for col in columns:
        col.tofile(fn)
    return prefix, key_at, fk.tell() - key_at, num_at, len(keys)


def _save(prefix: str, keys: list[str], *columns: array) -> tuple:
    """Write n-grams and their columns (arrays) to the file pair ``prefix``; the part."""
    with open(prefix + ".keys", "wb") as fk, open(prefix + ".num", "wb") as fn:
        return _append(fk, fn, prefix, keys, columns)


def _load(part: tuple, types: str = "ddd") -> tuple[list[str], list[array]]:
    """Read a part (see :func:`_append`); ``types``: the typecode of each column."""
    prefix, key_at, key_bytes, num_at, n = part
    with open(prefix + ".keys", "rb") as f:
        f.seek(key_at)
        text = f.read(key_bytes).decode("utf-8")
    keys = text.split("\n")[:-1] if text else []
    columns = []
    with open(prefix + ".num", "rb") as f:
        f.seek(num_at)
        for t in types:
            col = array(t)
            col.fromfile(f, n)
            columns.append(col)
    return keys, columns


def _save_split(prefix: str, bounds: list[str], last: bool, keys: list[str], *columns: array) -> list[tuple]:
    """Write n-grams of one length to the file pair ``prefix``, grouped by their range (see :func:`_ranges_of`;
    by their last symbols when ``last``); the part of each range.
    """
    if len(bounds) == 1:
        return [_save(prefix, keys, *columns)]
    which = _ranges_of(keys, bounds, last)
    # The records in range order (a stable sort: each range's in their order), then cut: linear in
    # the records whatever the number of ranges.
    order = sorted(range(len(keys)), key=which.__getitem__)
    sizes = Counter(which)
    del which
    keys = list(map(keys.__getitem__, order))
    columns = tuple(array(col.typecode, map(col.__getitem__, order)) for col in columns)
    del order
    parts = []
    a = 0
    with open(prefix + ".keys", "wb") as fk, open(prefix + ".num", "wb") as fn:
        for j in range(len(bounds)):
            b = a + sizes[chr(j)]
            parts.append(_append(fk, fn, prefix, keys[a:b], [col[a:b] for col in columns]))
            a = b
    return parts


def _ranges_of(keys: list[str], bounds: list[str], last: bool) -> str:
    """The range of each n-gram (all of one length), as one character each: ``chr(j)`` for range j.

    Range j holds the strings from ``bounds[j]`` up to ``bounds[j + 1]``
    (excluded), compared as strings.  A bound is a symbol, or two symbols
    where the n-grams of one symbol are split (:meth:`Plan._ranges`).  An
    n-gram is compared by its first two symbols; with ``last``, by its last
    symbol and the one before it, in that order.
    """
    k = len(keys[0]) if keys else 1
    joined = "".join(keys)
    if k == 1 or max(map(len, bounds)) == 1:  # one symbol decides
        picked = joined[k - 1::k] if last else joined[::k]  # the symbol of each n-gram, without a string each
        return picked.translate({ord(ch): chr(bisect.bisect_right(bounds, ch) - 1) for ch in set(picked)})
    pairs = list(map(add, joined[k - 1::k], joined[k - 2::k])) if last else list(map(add, joined[::k], joined[1::k]))
    del joined
    of = {p: chr(bisect.bisect_right(bounds, p) - 1) for p in set(pairs)}
    return "".join(map(of.__getitem__, pairs))


def _of_range(parts: list[list[tuple]], j: int) -> list[tuple | None]:
    """``[k]``: range j's part of order k, from a pass's parts ``[k][j]`` (k from 1)."""
    return [None] + [by_range[j] for by_range in parts[1:]]


def _entropies(ext: dict[str, list[int]], items: Iterable[tuple[str, int]]) -> list[float]:
    """The branching entropy of each ``(x, n(x))`` from the counts of its repeated extensions.

    Many n-grams share the same pattern (no repeated extension and n(x) = 2,
    say), so values are computed once per pattern.
    """
    memo: dict[tuple, float] = {}
    out = []
    for x, c in items:
        rep = ext.get(x)
        key = (tuple(sorted(rep)) if rep else (), c)
        h = memo.get(key)
        if h is None:
            h = memo[key] = _entropy(key[0], c)
        out.append(h)
    return out


def _chunk_windows(chunk_path: str, K: int, cls: str | None) -> tuple[Counter, Counter]:
    """The windows of the chunk file whose first symbol is in ``cls`` (None: any), counted.

    A *window* is what begins at a symbol: the K+1 symbols from there, or,
    nearer a chunk's end, the rest of the chunk with its newline (a *tail*).
    Every n-gram of orders 1..K+1 is a prefix of the window at its first
    symbol.  Returns the counts of the full windows and of the tails.
    """
    return _count(chunk_path, ngram_regex(K + 1, cls)), _count(chunk_path, _tails_regex(K, cls))


def _scatter_pass(chunk_path: str, start: int, stop: int, K: int, bounds: list[str], outs: list[str]) -> None:
    """Write the windows of blocks ``start:stop`` of the chunk file to ``outs[j]``, j their first symbol's range.

    So the text is read once, whatever the number of ranges, and each
    forward pass reads only the windows of its own range.  A file holds
    blocks: a header ``m full tails`` (sizes in characters), then the full
    windows and the tails, each joined by tabs.
    """
    full_re, tails_re = ngram_regex(K + 1, None), _tails_regex(K, None)
    for first in range(0, len(outs), OPEN_FILES):  # (a text scan per group of files kept open)
        files = [open(path, "w", encoding="utf-8") for path in outs[first:first + OPEN_FILES]]
        try:
            for m, text in _chunk_texts(chunk_path, start, stop):
                parts = []
                for regex in (full_re, tails_re):
                    windows = regex.findall(text)
                    windows.sort()  # by first symbol, so each range is one slice
                    cuts = [0] + [bisect.bisect_left(windows, b) for b in bounds[1:]] + [len(windows)]
                    cuts = cuts[first:first + len(files) + 1]
                    parts.append(["\t".join(windows[a:b]) for a, b in zip(cuts, cuts[1:])])
                for f, full, tails in zip(files, *parts):
                    if full or tails:
                        f.write(f"{m} {len(full)} {len(tails)}\n")
                        f.write(full)
                        f.write(tails)
        finally:
            for f in files:
                f.close()


def _read_windows(paths: list[str]) -> tuple[Counter, Counter]:
    """The counts of the full windows and of the tails in files written by :func:`_scatter_pass`."""
    full, tails = Counter(), Counter()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for header in iter(f.readline, ""):
                m, *sizes = map(int, header.split())
                for table, size in zip((full, tails), sizes):
                    if size:
                        add_counts(table, f.read(size).split("\t"), m)
    return full, tails


def _forward_counts(full: Counter, tails: Counter, K: int) -> list:
    """``tables[k]``: the counts of the k-grams (k = 1..K+1) that begin the windows counted in ``full``, ``tails``."""
    # Only the longest n-grams are counted in the text; each shorter one is
    # the sum of its extensions on the right, plus its occurrences at a
    # chunk's end, where it has none.
    tables: list = [None] + [Counter() for _ in range(K)] + [full]
    for tail, c in tails.items():
        tables[len(tail) - 1][tail[:-1]] = c
    del tails
    parent = itemgetter(slice(None, -1))
    for k in range(K, 0, -1):
        table, longer = tables[k], tables[k + 1]
        once = list(map(eq, longer.values(), repeat(1)))
        table.update(map(parent, compress(longer, once)))  # most n-grams are seen once: counted in C
        for g, c in compress(longer.items(), map(not_, once)):
            table[g[:-1]] += c
    return tables


def _forward_pass(chunk_path: str, windows: list[str] | None, K: int, h0: float, out: str,
                  counts_out: str, bounds: list[str], j: int = 0, apart: dict | None = None
                  ) -> tuple[int, list[list[tuple]], list[list[tuple]]]:
    """Count the n-grams (orders 1..K+1) of range j (see :func:`_ranges_of`); their forward columns.

    ``windows``: the files the scatter pass wrote for this range (None: there
    is one range, and the chunk file is read directly).  The counts go to
    ``counts_out`` + ``.k<order>``, grouped by the range of the n-gram's
    last symbols (``bounds``: the ranges' first strings), for the backward
    passes; the columns (see :func:`_side_columns`) to ``out``.  ``apart``:
    ``(n, h_r)`` of the single symbols split between ranges (the count seen
    here is a part of theirs).  Returns the number of n-grams counted, the
    counts' parts (``[k][j]``: order k, range j) and the columns' parts (``[k][0]``).
    """
    if windows is None:
        tables = _forward_counts(*_chunk_windows(chunk_path, K, None), K)
    else:
        tables = _forward_counts(*_read_windows(windows), K)
        for path in windows:
            os.remove(path)
    for x in apart or ():
        tables[1].pop(x, None)
    counted = [[]] + [_save_split(f"{counts_out}.k{k}", bounds, True, list(tables[k]),
                                  array("q", tables[k].values())) for k in range(1, K + 2)]
    _own(tables[1], apart, bounds, j)
    types, columns = _side_columns(tables, K, True, h0, out, [""], apart)
    return types, counted, columns


def _own(singles: dict[str, int], apart: dict | None, bounds: list[str], j: int) -> None:
    """Add to a pass's single symbols those of ``apart`` that fall in its range j, with their counts."""
    for x, (n, _) in (apart or {}).items():
        if bisect.bisect_right(bounds, x) - 1 == j:
            singles[x] = n


def _backward_pass(K: int, h0: float, counts_in: list[list[tuple]], out: str,
                   bounds: list[str], j: int = 0, apart: dict | None = None) -> tuple[int, list[list[tuple]]]:
    """The backward columns of the n-grams of range j read from the end, from the forward passes' counts.

    Every n-gram was counted by exactly one forward pass (that of its first
    symbols), which wrote it to the part of the range of its last ones:
    ``counts_in[i][k]`` is that part of forward pass i, order k.  ``apart``:
    ``(n, h_l)`` of the single symbols split between ranges.
    """
    tables: list = [None]
    for k in range(1, K + 2):
        table: dict[str, int] = {}
        for parts in counts_in:
            keys, (c,) = _load(parts[k], "q")
            table.update(zip(keys, c))
        tables.append(table)
    _own(tables[1], apart, bounds, j)
    return _side_columns(tables, K, False, h0, out, bounds, apart)


def _side_columns(tables: list, K: int, forward: bool, h0: float, out: str,
                  bounds: list[str], apart: dict | None = None) -> tuple[int, list[list[tuple]]]:
    """Write the forward or backward columns of n-grams from their counts (see :func:`side_columns`).

    The n-grams go to ``out`` + ``.k<order>``, grouped by their forward range
    (``bounds`` are the ranges' first strings; ``[""]``: one group).  Returns
    the number of n-grams and the parts (``[k][i]``).
    """
    types = sum(map(len, tables[1:]))
    parts: list[list[tuple]] = [[]]
    for k, keys, counts, v, s in side_columns(tables, K, forward, {"": h0}, {"": 0.0}, apart=apart):
        parts.append(_save_split(f"{out}.k{k}", bounds, False, keys, counts, v, s))
    return types, parts


def side_columns(tables: list, K: int, forward: bool, prev_h: dict[str, float], prev_s: dict[str, float],
                 first: int = 1, apart: dict[str, tuple[int, float]] | None = None
                 ) -> Iterator[tuple[int, list[str], array, array, array]]:
    """The forward or backward columns of n-grams from their counts: ``(k, keys, n, v, s)`` order by order.

    ``tables[k]``: the counts of the k-grams (k = first..K+1) whose first
    (forward) or last (backward) symbol is in this pass's range.  For every
    n-gram x of orders first..K, three columns: n(x); ``v``, the variation of
    branching entropy on that side; ``s``, the sum of ln n over x's proper
    prefixes (forward) or suffixes (backward), added shortest first.
    ``prev_h``, ``prev_s``: h, where seen twice or more, and s + ln n of the
    (first-1)-grams (``{"": h0}``, ``{"": 0.0}`` when ``first`` is 1).  The
    tables are emptied on the way.

    ``apart``: ``(n, h)`` of the single symbols whose n-grams are split
    between passes (see :meth:`Plan._ranges`), computed apart; with ``first``
    1, they are the 2-grams' parents wherever they are, and their own rows
    where ``tables[1]`` holds them (with their true count).
    """
    parent = itemgetter(slice(None, -1)) if forward else itemgetter(slice(1, None))
    for k in range(first, K + 1):
        cur, nxt = tables[k], tables[k + 1]
        tables[k] = None
        keys = list(cur)
        counts = array("d", cur.values())
        # x's proper prefixes (suffixes) are its parent and the parent's: s(x) = s(parent) + ln n(parent)
        s = array("d", map(prev_s.__getitem__, map(parent, keys)))
        h_parent = array("d", map(prev_h.get, map(parent, keys), repeat(0.0)))
        prev_h = prev_s = None  # (freed before the extensions are grouped, the peak of the pass)
        ext: defaultdict = defaultdict(list)
        for g, c in compress(nxt.items(), map(gt, nxt.values(), repeat(1))):
            ext[parent(g)].append(c)
        many = list(map(gt, counts, repeat(1.0)))
        h_many = _entropies(ext, compress(cur.items(), many))  # h is 0 for an n-gram seen once
        del ext
        if k == 1 and apart:  # (this pass saw only some of their extensions)
            h_many = [apart[x][1] if x in apart else hx for x, hx in zip(compress(keys, many), h_many)]
        h = [0.0] * len(keys)
        deque(map(h.__setitem__, compress(range(len(keys)), many), h_many), maxlen=0)
        v = array("d", map(sub, h, h_parent))
        del h, h_parent
        yield k, keys, counts, v, s
        if k < K:
            prev_s = dict(zip(keys, map(add, s, map(math.log, counts))))
            prev_h = dict(zip(compress(keys, many), h_many))
            if k == 1 and apart:
                prev_s.update((x, 0.0 + math.log(float(n))) for x, (n, _) in apart.items())
                prev_h.update((x, h) for x, (n, h) in apart.items() if n > 1)
        del keys, counts, v, s


def _join_pass(K: int, logn: float, f_parts: list[tuple], b_parts: list[list[tuple]],
               out_prefix: str) -> list[tuple]:
    """Pair the forward and backward columns of the n-grams of one forward range.

    Writes, per order, the n-grams with ``vbe_r``, ``vbe_l`` and ``pmi``
    (``ln N + ln n(x)`` less the mean ln n of the two parts over the split
    points) and returns, per order, what the standardisation needs of them: their
    number, the exact partials of each column's sum, the join file, and each
    column's first answer to its median (:class:`~nlp_zero.scores.Median`).  ``f_parts[k]``:
    the forward columns of order k; ``b_parts[j][k]``: those that backward pass j
    wrote for this range.
    """
    columns = []
    for k in range(1, K + 1):
        keys, (c, vr, s_f) = _load(f_parts[k])
        b_keys: list[str] = []
        vl_b, s_b = array("d"), array("d")
        for parts in b_parts:
            kk, (_, v, s) = _load(parts[k])
            b_keys += kk
            vl_b += v
            s_b += s
        if len(b_keys) != len(keys):  # both passes see every n-gram: a difference is a bug, not bad input
            raise RuntimeError(f"join: {len(keys)} forward and {len(b_keys)} backward {k}-grams")
        pos = dict(zip(b_keys, range(len(b_keys))))
        del b_keys
        idx = list(map(pos.__getitem__, keys))
        del pos
        vl = array("d", map(vl_b.__getitem__, idx))
        s_b = array("d", map(s_b.__getitem__, idx))
        del idx, vl_b
        if k > 1:
            pmi = array("d", map(sub, map(add, repeat(logn), map(math.log, c)),
                                 map(truediv, map(add, s_f, s_b), repeat(float(k - 1)))))
        else:
            pmi = array("d", bytes(8 * len(keys)))
        cols = (vr, vl, pmi) if k > 1 else (vr, vl)  # (the cohesion of single symbols is not standardised)
        columns.append((len(keys), [exact_partials(col) for col in (vr, vl, pmi)],
                        _save(f"{out_prefix}.k{k}", keys, vr, vl, pmi), [answer(col, FIRST) for col in cols]))
    return columns


def _spread_pass(parts: list[tuple], means: list[tuple[float, float, float]] | None,
                 asks: dict[tuple[int, int], Ask]) -> tuple[list[list[list[float]]], dict]:
    """``[k - 1][c]``: the exact partials of Σ (v - mean)² of column c (vbe_r, vbe_l, pmi) of order k in one
    range's join files (``parts[k]``), each term rounded as ``(v - mean) ** 2`` is (none without ``means``);
    and the answers of these columns to ``asks``, keyed ``(k, c)`` (the medians', :class:`~nlp_zero.scores
    .Median`)."""
    out, answers = [], {}
    for k in range(1, len(parts)):
        if means is None and not any(key[0] == k for key in asks):
            continue
        _, cols = _load(parts[k])
        if means is not None:
            out.append([exact_partials(map(pow, map(sub, col, repeat(mean)), repeat(2)))
                        for col, mean in zip(cols, means[k - 1])])
        answers.update(((k, c), answer(cols[c], ask)) for (kk, c), ask in asks.items() if kk == k)
    return out, answers


def _mean(n: int, partials: Iterable[list[float]]) -> float:
    """The mean of ``n`` values from the exact partials of their sums, as ``fsum(values) / n`` (0 for none)."""
    return math.fsum(itertools.chain.from_iterable(partials)) / n if n else 0.0


def _deviation(n: int, partials: Iterable[list[float]]) -> float:
    """The standard deviation from the exact partials of Σ (v - mean)², 1.0 when degenerate."""
    var = _mean(n, partials)
    return math.sqrt(var) if var > 0 else 1.0


class _Model:
    """The standardisation of each order, and where the scored n-grams are (the join files)."""

    def __init__(self, K: int, norms: dict[int, tuple[tuple[float, float], ...]], parts: list[list[tuple]]):
        self.K = K
        self.norms = norms
        self.parts = parts  # [i][k]: the join file part of range i, order k

    def _z(self, k: int, vr: Iterable[float], vl: Iterable[float], pmi: Iterable[float]) -> tuple[Iterator, ...]:
        """The z-scores of vbe_r, vbe_l and pmi of k-grams (that of pmi is 0 for single symbols)."""
        (mr, sr), (ml, sl), (mp, sp) = self.norms[k]
        zr = map(truediv, map(sub, vr, repeat(mr)), repeat(sr))
        zl = map(truediv, map(sub, vl, repeat(ml)), repeat(sl))
        zp = map(truediv, map(sub, pmi, repeat(mp)), repeat(sp)) if k > 1 else repeat(0.0)
        return zr, zl, zp

    def gains(self, k: int, cols: list) -> list[float]:
        """The score·k (score = z(vbe_r) + z(vbe_l) + z(pmi)) of k-grams, from their columns."""
        zr, zl, zp = self._z(k, *cols)
        return list(map(mul, map(add, map(add, zr, zl), zp), repeat(float(k))))

    def details(self, k: int, keys: Iterable[str], vr: list[float], vl: list[float],
                pmi: list[float]) -> dict[str, tuple[float, float, float, float]]:
        """``(score, nvbe, cohesion, pmi)`` of k-grams from their columns."""
        return {x: (a + b + c, a + b, c, p) for x, a, b, c, p in zip(keys, *self._z(k, vr, vl, pmi), pmi)}


def _candidates_pass(model: _Model, parts: list[tuple], k: int, out: str) -> tuple[dict[str, float], tuple]:
    """The k-grams of one join file that a segmentation can choose, with their score·k (see
    :func:`candidates`; the shorter candidates are the stage's shared table, :func:`nlp_zero.pool.shared`);
    their scores to ``out``.

    The scores (``score``, ``nvbe``, ``cohesion``, ``pmi``) wait on disk, for
    the candidates that become words (:meth:`Plan.segment`); the part is returned.
    """
    keys, cols = _load(parts[k])
    found, details = candidates(model, keys, cols, k, shared() if k > 1 else {})
    return found, _save_details(out, details)


def candidates(model: _Model, keys: list[str], cols: list, k: int, shorter: dict[str, float]
               ) -> tuple[dict[str, float], dict[str, tuple]]:
    """Of k-grams and their columns ``(vbe_r, vbe_l, pmi)``, those a segmentation can choose, with their
    score·k, and their scores.

    A k-gram whose score·k does not beat the best split of it into shorter
    candidates (``shorter``: those of lengths < k; a single symbol always
    is one) is never chosen: wherever it could end a word, the split scores
    at least as much and, having a shorter last word, wins the tie.  So
    leaving it out changes no segmentation -- and leaves out most n-grams
    (most of them; the README has the share on laws_prc), which makes the table every segmentation
    pass needs small.  The best splits are computed for all k-grams at once,
    position by position, with the same additions as the segmentation.
    """
    gains = model.gains(k, cols)
    if k == 1:
        return dict(zip(keys, gains)), model.details(k, keys, *cols)
    get = shorter.get
    # First the split into single symbols (one of the splits, and cheap): a
    # k-gram that does not beat it is out, and most are.
    sel = beats_units(gains, keys, k, get)
    keys, gains = list(compress(keys, sel)), list(compress(gains, sel))
    cols = [list(compress(col, sel)) for col in cols]
    best = [[0.0] * len(keys)]  # best[j]: the best split of x[:j], for every k-gram x
    for j in range(1, k + 1):
        row = None
        for L in range(1, min(j, k - 1) + 1):  # a part of x, never x itself
            part = map(get, map(itemgetter(slice(j - L, j)), keys), repeat(-math.inf))
            v = list(map(add, best[j - L], part))
            row = v if row is None else list(map(max, row, v))
        best.append(row)
    sel = list(map(gt, gains, best[k]))
    del best
    return (dict(compress(zip(keys, gains), sel)),
            model.details(k, compress(keys, sel), *(list(compress(col, sel)) for col in cols)))


def beats_units(gains: list[float], keys: list[str], k: int, get: Callable) -> list[bool]:
    """Whether each k-gram's score·k (``gains``) beats its split into single symbols (``get``: a symbol's
    score), the sum taken symbol by symbol from the first, as the segmentation adds."""
    units = [0.0] * len(keys)
    for j in range(k):
        units = list(map(add, units, map(get, map(itemgetter(j), keys))))
    return list(map(gt, gains, units))


def _save_details(out: str, details: dict[str, tuple]) -> tuple:
    """Write candidates' ``(score, nvbe, cohesion, pmi)`` as four columns; the part."""
    return _save(out, list(details), *(array("d", map(itemgetter(i), details.values())) for i in range(4)))


def _segment_pass(chunk_path: str, start: int, stop: int, K: int, out: str | None) -> tuple[array, int, str | None]:
    """How often each candidate is a word in blocks ``start:stop`` of the chunk file (each chunk counted as
    often as it was seen), by the candidate's number; unless ``out`` is None, the cut of each chunk to ``out``
    (a *cut file*: lines ``m<TAB>word word ...``), the bigram tokens of the distinct chunks cut (a bound on the
    distinct ones), and ``out``.

    The stage's shared table (:func:`nlp_zero.pool.shared`, see
    :func:`segmentation_table`): the candidates' numbers, their score·len,
    and their prefixes.  Counting by number keeps a worker's tally an array
    of integers, whatever the number of distinct words.
    """
    number, gains, prefixes = shared()
    counts = array("q", bytes(8 * len(gains)))
    bound = 0
    with open(out, "w", encoding="utf-8") if out else contextlib.nullcontext() as f:
        for m, block in _chunk_texts(chunk_path, start, stop):
            for text in _slices(block, SEGMENT_CHARS):  # (the lists made per character stay small)
                found = _lookups(text, K, number.get, prefixes, -1)
                spans = _best_split(text, K, [list(map(gains.__getitem__, row)) for row in found])
                found.insert(0, None)  # found[L]: the numbers of the L-grams
                for i, c in Counter([found[L][i] for i, L in spans]).items():
                    counts[i] += c * m
                if f is None:
                    continue
                lines = _cut_lines(text, spans)
                bound += len(spans) + len(lines)
                f.write(f"{m}\t" + f"\n{m}\t".join(lines) + "\n")
    return counts, bound, out


def _cut_lines(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """The words of ``spans`` (:func:`_best_split` of ``text``), a chunk's words joined by spaces."""
    cuts = [i for i, _ in spans]
    cuts.append(len(text))
    # (each word with what follows it up to the next: a chunk's last word keeps the newline)
    return " ".join(map(text.__getitem__, map(slice, cuts, cuts[1:]))).replace("\n ", "\n").split("\n")[:-1]


def _cut_texts(paths: list[str]) -> Iterator[tuple[int, str]]:
    """``(m, text)``: runs of lines of cut files with the same m, the words only (a chunk a line), of about
    :data:`CUT_READ_CHARS` characters."""
    for path in paths:
        with open(path, encoding="utf-8") as f:
            while True:
                lines = f.readlines(CUT_READ_CHARS)
                if not lines:
                    break
                text = "".join(lines)
                first = text[:text.index("\t") + 1]
                if text.count("\n" + first) == len(lines) - 1:  # (one m for all: as the cut files are written)
                    yield int(first[:-1]), text[len(first):].replace("\n" + first, "\n")
                    continue
                for m, group in itertools.groupby(lines, lambda line: line[:line.index("\t")]):
                    yield int(m), "".join(line[line.index("\t") + 1:] for line in group)


def _text_bigrams(text: str) -> Iterator[tuple[str, str]]:
    """The word bigrams of a run of cut chunks (:func:`_cut_texts`), a chunk's start and end :data:`END`.

    The words of all the chunks in one list with a chunk end between two
    chunks: its bigrams are those of the chunks one by one (each chunk's
    end, then the next one's start).
    """
    words = list(map(sys.intern, (END + " " + text.replace("\n", f" {END} ")).split(" ")))
    words.pop()  # ('' after the last chunk end)
    return zip(words, words[1:])


def add_text_bigrams(pairs: Counter, text: str, m: int) -> None:
    """Add to ``pairs`` the word bigrams of a run of cut chunks each seen ``m`` times (:func:`_text_bigrams`)."""
    if m == 1:
        pairs.update(_text_bigrams(text))
    else:
        for k, c in Counter(_text_bigrams(text)).items():
            pairs[k] += c * m


def _slices(text: str, size: int) -> Iterator[str]:
    """``text`` (newline-ended chunks) in pieces of about ``size`` characters, each of whole chunks."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + size - 1) + 1 or len(text)
        yield text[start:end]
        start = end


def segmentation_table(table: dict[str, float], K: int) -> tuple[dict[str, int], array, list[set[str]]]:
    """The segmentation passes' shared table, made from the candidates' score·len, in place: each candidate's
    number (in the table's order), the scores by number (the last entry, -inf, for "no candidate"),
    and :func:`candidate_prefixes`."""
    gains = array("d", table.values())
    gains.append(-math.inf)
    for i, x in enumerate(table):
        table[x] = i  # (no new key: the dict is not resized, the floats make way for the numbers)
    return table, gains, candidate_prefixes(table, K)


def candidate_prefixes(table: Mapping[str, object], K: int) -> list[set[str]]:
    """``[L]``: the first L - 1 symbols of the candidates of L symbols or more (see :func:`_gains`; only
    the lengths L >= 3 use them)."""
    return [set() for _ in range(3)] + [set(x[:L - 1] for x in table if len(x) >= L) for L in range(3, K + 1)]


def _gains(text: str, K: int, get: Callable, prefixes: list[set[str]]) -> list[list[float]]:
    """``gains[L - 1][i]``: score·L of ``text[i:i + L]`` (``get``), -inf where it is no candidate."""
    return _lookups(text, K, get, prefixes, -math.inf)


def _lookups(text: str, K: int, get: Callable, prefixes: list[set[str]], missing) -> list[list]:
    """``out[L - 1][i]``: ``get(text[i:i + L])``, ``missing`` where ``text[i:i + L]`` is no candidate.

    Strings of L symbols are made only where their first L - 1 are the
    start of a candidate (``prefixes[L]``): for L > 2, a small share of the
    positions.  (The text ends with a newline, which no candidate holds, so
    a string that would run past the end is never made.)
    """
    out = [list(map(get, text, repeat(missing)))]
    if K == 1:
        return out
    grams = list(map(add, text, text[1:]))
    out.append(list(map(get, grams, repeat(missing))))
    where = range(len(grams))
    for L in range(3, K + 1):
        keep = list(map(prefixes[L].__contains__, grams))
        where = list(compress(where, keep))
        grams = list(map(add, compress(grams, keep), map(text.__getitem__, map(add, where, repeat(L - 1)))))
        g = [missing] * (len(text) - L + 1)
        deque(map(g.__setitem__, where, map(get, grams, repeat(missing))), maxlen=0)
        out.append(g)
    return out


def _best_split(text: str, K: int, gains: list[list[float]]) -> list[tuple[int, int]]:
    """The words ``(start, length)`` of the newline-separated chunks of ``text``, each chunk's maximising
    Σ score(w)·len(w).

    ``gains[L - 1][i]`` is score·len of ``text[i:i + L]`` (see :func:`_gains`).
    Dynamic programming per chunk; of two equal totals the one with the
    shorter last word wins.
    """
    words: list[tuple[int, int]] = []
    offset = 0  # where the current chunk begins in the text
    Ls = [tuple(range(2, min(K, j) + 1)) for j in range(K + 1)]
    for chunk in text.split("\n"):
        n = len(chunk)
        if not n:
            offset += 1
            continue
        g = [gains[L][offset:offset + max(n - L, 0)] for L in range(K)]
        best = [0.0] * (n + 1)
        back = [1] * (n + 1)
        g1 = g[0]
        for j in range(1, n + 1):
            b = best[j - 1] + g1[j - 1]
            arg = 1
            for L in Ls[j] if j < K else Ls[K]:
                v = best[j - L] + g[L - 1][j - L]
                if v > b:
                    b, arg = v, L
            best[j] = b
            back[j] = arg
        out = []
        j = n
        while j > 0:
            out.append((offset + j - back[j], back[j]))
            j -= back[j]
        out.reverse()
        words += out
        offset += n + 1
    return words


def _batches(sizes: list[int], count: int) -> list[tuple[int, int]]:
    """Split blocks of the given sizes into at most ``count`` runs ``(start, stop)`` of about equal total size.

    (Equal numbers of blocks would not do: the blocks of chunks seen m > 1
    times are often small, and most of the text is in the first blocks.)
    """
    target = sum(sizes) / max(count, 1)
    cuts, size = [0], 0
    for i, b in enumerate(sizes):
        if size + b / 2 > target * len(cuts) and i > cuts[-1]:  # the cut nearest the target
            cuts.append(i)
        size += b
    cuts.append(len(sizes))
    return list(zip(cuts, cuts[1:]))


class Plan:
    """How :meth:`WordFinder.find` splits its work to fit the memory budget.

    The size of a pass is estimated before it runs: the n-grams beginning
    with a symbol are at most (K+1) times its occurrences in the distinct
    chunks, and a *sample pass* (the forward pass over every s-th symbol)
    measures how many of those bounds are distinct n-grams.  Symbols, in
    code-point order, are then grouped into contiguous ranges whose estimate
    (with a margin) fits one pass's share of the budget.  A symbol with
    more n-grams than the share is split: its n-grams by their first two
    symbols (see :meth:`_ranges`).
    """

    MARGIN = 1.15

    def __init__(self, occurrences: Counter, unigrams: Counter, blocks: list[int], K: int, budget: int, jobs: int,
                 area: WorkArea, report: Callable[[str, int, int], None]):
        self.K = K
        self.unigrams = unigrams  # the symbols' counts (each chunk as often as seen)
        self.jobs = max(1, jobs)
        self.area = area
        self.report = report
        self.symbols = sorted(occurrences)
        self.occurrences = occurrences  # of each symbol in the distinct chunks
        self.blocks = blocks  # sizes of the chunk file's blocks (for segmentation batches)
        here = rss()
        if self.jobs > 1:
            share = (budget - here) // self.jobs - WORKER_BASE
        else:
            share = budget - here
        if share < MIN_PASS:
            log.warning("the memory budget leaves %d MB per pass (this process already uses %d MB); "
                        "using %d MB", share >> 20, here >> 20, MIN_PASS >> 20)
            share = MIN_PASS
        self.share = share
        self.budget = budget
        self.ratio = 1.0  # distinct n-grams per bound, measured by the sample pass

    def _bound(self, symbols: Iterable[str]) -> int:
        occ = self.occurrences
        return (self.K + 1) * sum(occ[s] for s in symbols)

    def _ranges(self, chunk_path: str) -> list[str]:
        """The first strings of contiguous ranges of about equal estimated size, each fitting a pass
        (``[""]``: all at once).

        A range is made of whole symbols, except where one symbol alone has
        more n-grams than a pass holds: its n-grams are then split by their
        first two symbols (backward, by their last two: the same bounds read
        from the end), and the few quantities of the single symbol itself are
        computed apart (:func:`_singles_apart`).
        """
        capacity = self.share / (BYTES_PER_NGRAM * self.ratio * self.MARGIN)
        total = self._bound(self.symbols)
        if total <= capacity:
            return [""]
        count = math.ceil(total / capacity)
        count += -count % self.jobs  # a multiple of the workers, so none idles at the end
        target = total / count
        bounds: list[str] = []
        load = 0
        for key, b in self._units(chunk_path, capacity):
            if bounds and (load + b > capacity or load + b / 2 > target):
                bounds.append(key)
                load = 0
            if not bounds:
                bounds.append(key)
            load += b
        return bounds

    def _units(self, chunk_path: str, capacity: float) -> list[tuple[str, int]]:
        """What ranges are made of, in order: ``(first string, bound on its n-grams)`` of each symbol; for
        a symbol whose bound passes ``capacity``, of the symbol alone and of each pair it begins or ends
        (counted in the chunk file)."""
        heavy = [s for s in self.symbols if self._bound([s]) > capacity]
        if heavy:
            (after, self.after), (before, self.before) = _pairs(chunk_path, heavy)  # (kept for _singles_apart)
            pairs: dict[str, list[tuple[str, int]]] = defaultdict(list)
            for p in sorted(set(after) | {q[1] + q[0] for q in before}):
                pairs[p[0]].append((p, self.K * max(after.get(p, 0), before.get(p[1] + p[0], 0))))
        units = []
        for s in self.symbols:
            if heavy and s in pairs:
                units.append((s, 1))
                units += pairs[s]
            else:
                units.append((s, self._bound([s])))
        return units

    def _measure(self, chunk_path: str) -> None:
        """Set ``ratio`` from a forward pass over a sample of the symbols, when the budget is tight."""
        capacity = self.share / BYTES_PER_NGRAM
        total = self._bound(self.symbols)
        if total <= capacity:  # everything fits even if every bound were a distinct n-gram
            return
        step = max(8, math.ceil(total / capacity))
        # every step-th symbol by frequency: frequent symbols (whose n-grams
        # repeat most) weigh in the sample as they do in the corpus
        by_rank = sorted(self.symbols, key=lambda s: (-self.occurrences[s], s))
        sample = sorted(by_rank[step // 2::step])
        cls = "".join(f"\\U{ord(s):08x}" for s in sample)
        types = sum(map(len, _forward_counts(*_chunk_windows(chunk_path, self.K, cls), self.K)[1:]))
        self.ratio = min(1.0, max(types / max(self._bound(sample), 1), 0.01))
        log.info("sample pass: %d of %d symbols, %.3f distinct n-grams per bound", len(sample),
                 len(self.symbols), self.ratio)

    def score(self, chunk_path: str, n: int, h0: float) -> _Model:
        """Forward, backward and join passes; the standardisation of each order."""
        K, path = self.K, self.area.path
        self.report("sampling", 0, 1)
        self._measure(chunk_path)
        self.report("sampling", 1, 1)
        bounds = self._ranges(chunk_path)
        nf = len(bounds)
        windows: list = [None] * nf
        if nf > 1:  # the text is read once: each forward pass then reads its own range's windows
            batches = _batches(self.blocks, self.jobs)
            scatter = [(chunk_path, a, b, K, bounds, [path(f"w{t}-{j}") for j in range(nf)])
                       for t, (a, b) in enumerate(batches)]
            run_tasks(_scatter_pass, scatter, self.jobs, lambda d, t: self.report("scattering", d, t))
            windows = [[path(f"w{t}-{j}") for t in range(len(batches))] for j in range(nf)]
        split = sorted({b[0] for b in bounds if len(b) == 2})
        ahead, behind = _singles_apart(self.after, self.before, split, self.unigrams) if split else (None, None)
        if split:
            log.info("the n-grams of %d symbols split by their first two (%s)", len(split), "".join(split[:20]))
        forward = [(chunk_path, windows[i], K, h0, path(f"f{i}"), path(f"n{i}"), bounds, i, ahead)
                   for i in range(nf)]
        log.info("%d forward and %d backward passes of about %d MB each", nf, nf, self.share >> 20)
        done = run_tasks(_forward_pass, forward, self.jobs, lambda d, t: self.report("counting", d, 2 * t))
        backward = [(K, h0, [_of_range(counted, j) for _, counted, _ in done], path(f"b{j}"), bounds, j, behind)
                    for j in range(nf)]
        back = run_tasks(_backward_pass, backward, self.jobs, lambda d, t: self.report("counting", t + d, 2 * t))
        log.info("n-grams scored: %d (each once forward, once backward)", sum(t for t, *_ in done + back))
        joins = [(K, math.log(n), _of_range(done[i][2], 0), [_of_range(b, i) for _, b in back], path(f"j{i}"))
                 for i in range(nf)]
        del done, back
        sums = run_tasks(_join_pass, joins, self.jobs, lambda d, t: self.report("joining", d, t))
        for name in os.listdir(self.area.root):
            if re.match(r"[fbn]\d", name):  # the passes' files, not the chunks or the join files
                os.remove(path(name))
        # The standardisation (docs/design.md §5.5): means, then deviations, each an fsum over all
        # n-grams of an order -- taken from exact partial sums, so no pass sends its values here.
        joined = [[None] + [per[k - 1][2] for k in range(1, K + 1)] for per in sums]
        counts = [sum(per[k - 1][0] for per in sums) for k in range(1, K + 1)]
        means = [tuple(_mean(counts[k - 1], (per[k - 1][1][c] for per in sums)) for c in range(3))
                 for k in range(1, K + 1)]
        medians = {(k, c): Median(counts[k - 1]) for k in range(1, K + 1) if counts[k - 1]
                   for c in range(3 if k > 1 else 2)}
        for (k, c), median in medians.items():
            median.take(functools.reduce(add_answers, (per[k - 1][3][c] for per in sums)))
        spreads = self._select(joined, medians, means)
        norms = {}
        for k in range(1, K + 1):
            n = counts[k - 1]
            cols = [(medians[k, c].value if n else 0.0, _deviation(n, (per[k - 1][c] for per in spreads)))
                    for c in range(3 if k > 1 else 2)]
            norms[k] = (cols[0], cols[1], cols[2] if k > 1 else (0.0, 1.0))
        self.scored = sum(counts)
        return _Model(K, norms, joined)

    def _select(self, joined: list[list], medians: dict[tuple[int, int], Median],
                means: list[tuple[float, float, float]]) -> list[list[list[list[float]]]]:
        """The spread passes (their partials returned), which also narrow ``medians`` down; then more passes
        over the join files until every median is found (up to two; none on People's Daily:
        :class:`~nlp_zero.scores.Median`)."""
        spreads: list = []

        def ask_pass(asks: dict) -> dict:
            done = run_tasks(_spread_pass, [(parts, None if spreads else means, asks) for parts in joined],
                             self.jobs, lambda d, t: self.report("standardising", d, t))
            if not spreads:  # (the first pass: the spread's partials too)
                spreads.extend(out for out, _ in done)
            return {key: functools.reduce(add_answers, (answers[key] for _, answers in done)) for key in asks}

        log.info("the medians found in %d spread and selection passes", narrow(medians, ask_pass))
        return spreads

    def _table_jobs(self, stage: str) -> int:
        """Workers for a stage that shares this process's table with them: as many as fit the budget.

        A forked worker shares this process's pages, but the objects it makes
        land in the free slots of this process's heap, and each page written
        is copied: measured, a worker of the segmentation stage came to hold
        about a third of this process's resident memory as its own.  So a
        worker is reckoned at half of it; where not even one fits, the stage
        runs here, with no copy at all (slower, and as exact).
        """
        if self.jobs == 1:
            return 1
        here = rss()
        jobs = max(1, min(self.jobs, (self.budget - here) // (here // 2 + WORKER_BASE)))
        if jobs < self.jobs:
            log.info("%s: %d of %d workers fit the budget (this process holds %d MB)", stage, jobs, self.jobs,
                     here >> 20)
        return jobs

    def segment(self, chunk_path: str, model: _Model, cuts: bool = False
                ) -> tuple[dict[str, int], list[tuple], list[str], int, _TableCount | None]:
        """Candidate passes (order by order), then segmentation passes over batches of chunks.

        Returns the word counts, where the candidates' scores wait (for
        :meth:`details`) and, if ``cuts``, for :meth:`split`: the cut files,
        the bound on their distinct bigrams and their bigram table, counted in
        this process as the passes finish (else ``[]``, 0 and None).
        """
        table: dict[str, float] = {}
        scored: list[tuple] = []  # where the candidates' scores wait
        for k in range(1, self.K + 1):
            tasks = [(model, parts, k, self.area.path(f"c{i}.k{k}")) for i, parts in enumerate(model.parts)]
            jobs = self._table_jobs(f"candidates of length {k}") if k > 1 else self.jobs
            for found, part in run_tasks(_candidates_pass, tasks, jobs, shared=table, done=
                                         lambda d, t: self.report(f"candidates of length {k}", d, t)):
                table.update(found)
                scored.append(part)
        log.info("%d candidate n-grams of %d", len(table), self.scored)
        # The chunks are streamed, in batches of a few blocks (so the progress moves).
        batches = _batches(self.blocks, max(self.jobs, min(len(self.blocks) // 4, 64)))
        cut_paths = [self.area.path(f"cut0-{t}") for t in range(len(batches))] if cuts else []
        tasks = [(chunk_path, a, b, self.K, cut_paths[t] if cuts else None) for t, (a, b) in enumerate(batches)]
        shared_table = segmentation_table(table, self.K)
        totals = array("q", bytes(8 * len(table)))
        bound = 0
        counted = _TableCount(max(self.budget - rss(), MIN_PASS) // BYTES_PER_BIGRAM) if cuts else None

        def add_up(result: tuple[array, int, str]) -> None:  # (each tally as it comes: 64 at once would be a peak)
            nonlocal totals, bound
            totals = array("q", map(add, totals, result[0]))
            bound += result[1]
            if counted is not None:  # (while the workers go on with the next batches)
                counted.add(result[2])

        run_tasks(_segment_pass, tasks, self._table_jobs("segmenting"), lambda d, t: self.report("segmenting", d, t),
                  shared=shared_table, consume=add_up)
        del shared_table
        counts = dict(compress(zip(table, totals), totals))
        return counts, scored, cut_paths, bound, counted

    @staticmethod
    def details(scored: list[tuple], counts: Mapping[str, int]) -> dict[str, tuple]:
        """Each word's ``(score, nvbe, cohesion, pmi)`` (every word was a candidate)."""
        details: dict[str, tuple] = {}
        for part in scored:
            keys, cols = _load(part, "dddd")
            details.update((x, row) for x, row in zip(keys, zip(*cols)) if x in counts)
        return details

    def split(self, cut_paths: list[str], counts: dict[str, int], chunks: int, bound: int,
              counted: _TableCount) -> dict[str, int]:
        """The bigram split (:mod:`nlp_zero.bigram_split`) of the segmentation in ``cut_paths``: the counts
        after its last round.

        Where the bigram table fits the budget (``counted``: counted as the
        segmentation passes finished, until it did not fit) it is held in
        memory and kept up to date from the chunks each round cuts again.
        Otherwise it is kept on disk in parts
        (:class:`_PartedTable`; ``bound``, the bigram tokens of the distinct
        chunks, a bound on the distinct bigrams, sizes the parts): each round
        reads each part as rows and as columns, writes each candidate's cells
        to the file of the candidate's part, and tests the candidates file by
        file (docs/design.md §6).
        """
        table = None if counted.full else _BigramTable(counted.pairs)
        counted.pairs = Counter()
        parts = 1
        if table is None:  # (it did not fit: bound the table by the bigram tokens, in parts on disk)
            parts = max(2, math.ceil(bound / counted.capacity))
            log.info("bigram split: the table in %d parts", parts)
            parted = _PartedTable(cut_paths, parts, self.area)
        known = Known()  # (the tests' cell parts, kept while their cells do not change: in memory only)
        counts = Counter({w: c for w, c in counts.items() if c > 0})
        paths = cut_paths
        for r in itertools.count(1):
            self.report("bigram split", r - 1, r)
            cand = Candidates(counts)
            if not cand:
                break
            price = price_of(counts, chunks)
            if table is not None:
                touching, get = table.touching, table.pairs.__getitem__
                leave = {w for w, s in cand.splits.items() if shortens(w, s, touching[w], get, counts, price, known)}
            else:  # each candidate's cells, from the parts of the table, to the file of the candidate's part
                outs = [self.area.path(f"cells{g}") for g in range(parts)]
                with contextlib.ExitStack() as stack:
                    files = [stack.enter_context(open(o, "w", encoding="utf-8")) for o in outs]
                    for p in range(parts):
                        for side, records_of in enumerate((left_records, right_records)):
                            cells = parted.load(side, p)
                            _write_records(records_of(cells.items(), cells.__getitem__, cand), files)
                            del cells
                leave = set()
                for o in outs:
                    records: dict[str, dict] = {}
                    gather(_read_records(o), records)
                    leave |= leavers(records, cand, counts, price)
                    del records
                    os.remove(o)
            if not leave:
                break
            gone = sorted(leave, key=lambda w: (-counts[w], w))
            log.info("bigram split, round %d: %d words leave (%s)", r, len(gone),
                     " ".join(map(readable, gone[:10])))
            change: Counter = Counter()
            pairs: Counter = Counter()
            paths = list(paths)

            def add_up(result: tuple[Counter, Counter, list[tuple[int, str]]]) -> None:
                change.update(result[0])
                pairs.update(result[1])
                for i, path in result[2]:  # (a file with no leaving word stays as it is)
                    if path != paths[i]:
                        os.remove(paths[i])
                        paths[i] = path

            jobs = self._table_jobs("re-cutting")
            groups = [[(i, paths[i], self.area.path(f"cut{r}-{i}")) for i in range(g, len(paths), 2 * jobs)]
                      for g in range(min(2 * jobs, len(paths)))]
            run_tasks(_recut_pass, [(group,) for group in groups], jobs, shared=Recut(leave, counts, self.K),
                      consume=add_up)
            counts.update(change)
            counts = Counter({w: c for w, c in counts.items() if c > 0})
            if table is not None:
                table.add(pairs)
                known.forget([k for k, c in pairs.items() if c], table.pairs.__contains__)
            else:
                parted.add(pairs)
        self.report("bigram split", 1, 1)
        return dict(counts)


class _TableCount:
    """The bigram table of cut files, counted file by file until it holds more than ``capacity`` distinct
    bigrams (then ``full``, and emptied)."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.pairs: Counter = Counter()
        self.full = False

    def add(self, path: str) -> None:
        if self.full:
            return
        pairs = self.pairs
        for m, text in _cut_texts([path]):
            add_text_bigrams(pairs, text, m)
            if len(pairs) > self.capacity:
                self.full = True
                self.pairs = Counter()
                return


class _BigramTable:
    """The word bigrams of a segmentation in memory (:meth:`Plan.split`), and the cells of each word of two
    symbols or more (the words a test is made for)."""

    def __init__(self, pairs: Counter):
        self.pairs = pairs
        self.touching: dict[str, dict] = defaultdict(dict)
        touching = self.touching
        for key, c in pairs.items():
            v, x = key
            if len(v) > 1:
                touching[v][key] = c
            if len(x) > 1:
                touching[x][key] = c

    def add(self, change: Counter) -> None:
        pairs, touching = self.pairs, self.touching
        for (v, x), c in change.items():
            if not c:
                continue
            key = (v, x) = sys.intern(v), sys.intern(x)
            n = pairs[key] + c
            if n:
                pairs[key] = n
            else:
                del pairs[key]
            for u in {v, x}:
                if len(u) > 1:
                    if n:
                        touching[u][key] = n
                    else:
                        del touching[u][key]


class _PartedTable:
    """The word bigrams of a segmentation on disk, in parts by the CRC-32 of a word (:meth:`Plan.split`): each
    part once as *rows* (the cells whose first word falls in it) and once as *columns* (second word), as
    lines ``v<TAB>x<TAB>count`` (a chunk end as an empty word), kept up to date from round to round."""

    def __init__(self, paths: list[str], parts: int, area: WorkArea):
        self.parts = parts
        self.files = [[area.path(f"{side}{p}") for p in range(parts)] for side in ("rows", "cols")]
        with contextlib.ExitStack() as stack:
            cols = [stack.enter_context(open(path, "w", encoding="utf-8")) for path in self.files[1]]
            for p in range(parts):  # (the cut files read once a part, this once)
                cells = _part_bigrams(paths, parts, p)
                self._write(self.files[0][p], cells)
                for (v, x), c in cells.items():
                    cols[_part_of(x, parts)].write(_cell_line(v, x, c))
                del cells

    @staticmethod
    def _write(path: str, cells: Counter) -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(_cell_line(v, x, c) for (v, x), c in cells.items())

    def load(self, side: int, p: int) -> Counter:
        """Part ``p`` of the rows (``side`` 0) or the columns (1)."""
        cells: Counter = Counter()
        with open(self.files[side][p], encoding="utf-8") as f:
            for line in f:
                key, c = _cell_of(line)
                cells[key] = c
        return cells

    def add(self, change: Counter) -> None:
        """Add the change of a round's re-cut to every part it touches."""
        for side in (0, 1):
            by_part: dict[int, list] = defaultdict(list)
            for key, c in change.items():
                if c:
                    by_part[_part_of(key[side], self.parts)].append((key, c))
            for p, cells_change in by_part.items():
                cells = self.load(side, p)
                for key, c in cells_change:
                    cells[key] += c
                    if not cells[key]:
                        del cells[key]
                self._write(self.files[side][p], cells)


def _part_of(word: str, parts: int) -> int:
    return zlib.crc32(word.encode("utf-8")) % parts


def _cell_line(v: str, x: str, c: int) -> str:
    """A cell of the split's files: ``v<TAB>x<TAB>count``, a chunk end as an empty word (:func:`_cell_of`)."""
    return f"{'' if v == END else v}\t{'' if x == END else x}\t{c}\n"


def _cell_of(line: str) -> tuple[tuple[str, str], int]:
    """The cell and count of a line of :func:`_cell_line`."""
    v, x, c = line[:-1].split("\t")
    return (sys.intern(v or END), sys.intern(x or END)), int(c)


def _part_bigrams(paths: list[str], parts: int, p: int) -> Counter:
    """The bigrams of cut files whose first word falls in part ``p`` of ``parts`` (:func:`_part_of`)."""
    table: Counter = Counter()
    part: dict[str, int] = {}
    for m, text in _cut_texts(paths):
        for k in _text_bigrams(text):
            v = k[0]
            q = part.get(v)
            if q is None:
                q = part[v] = _part_of(v, parts)
            if q == p:
                table[k] += m
    return table


def _write_records(records: Iterable[tuple[str, tuple[str, str], int]], files: list) -> None:
    """Write ``(w, (v, x), count)`` records as lines ``w v x count`` (tab-separated; a chunk end as an empty
    word) to the file of ``w``'s part (CRC-32, as :func:`_part_bigrams`)."""
    part: dict[str, int] = {}
    n = len(files)
    for w, (v, x), c in records:
        q = part.get(w)
        if q is None:
            q = part[w] = _part_of(w, n)
        files[q].write(f"{w}\t" + _cell_line(v, x, c))


def _read_records(path: str) -> Iterator[tuple[str, tuple[str, str], int]]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            w, _, cell = line.partition("\t")
            yield (w, *_cell_of(cell))


def _recut_pass(files: list[tuple[int, str, str]]) -> tuple[Counter, Counter, list[tuple[int, str]]]:
    """Cut files ``(i, path, out)``: each copied to ``out``, the chunks that hold a word that left cut again
    (the stage's shared :class:`~nlp_zero.bigram_split.Recut`), or left as it is where no chunk does; the
    change of the word counts and of the bigram counts, and each file's ``(i, path)`` now."""
    recut = shared()
    counts: Counter = Counter()
    change: Counter = Counter()
    leave = recut.leave
    now = []
    for i, path, out in files:
        with open(path, encoding="utf-8") as f:  # (first a look, block by block: most files, late on, hold none)
            if all(leave.isdisjoint(block.split()) for block in iter(lambda: f.read(RECUT_CHARS), "")):
                now.append((i, path))
                continue
        now.append((i, out))
        with open(path, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as g:
            while True:
                lines = f.readlines(RECUT_CHARS)
                if not lines:
                    break
                block = "".join(lines)
                if leave.isdisjoint(block.split()):  # (copied as it is)
                    g.write(block)
                    continue
                for line in lines:
                    m, _, text = line.partition("\t")
                    words = text[:-1].split(" ")
                    new = recut(words)
                    if new is None:
                        g.write(line)
                        continue
                    m = int(m)
                    for w, d in word_changes(words, new, m):
                        counts[w] += d
                    for k, d in bigram_changes(words, new, m):
                        change[k] += d
                    g.write(f"{m}\t{' '.join(new)}\n")
    return counts, change, now
