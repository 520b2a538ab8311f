"""Exact, streaming, mergeable character n-gram counts (docs/design.md §4).

:class:`NgramCounter` counts every n-gram of orders 1..n inside the
statistical chunks of the text (:func:`nlp_zero.text.stat_chunks`: Han runs
with each Latin/digit run replaced by one class symbol).  N-grams never cross
punctuation, spaces or line ends.

How it stays fast in pure Python: lines are batched into texts of about a
million characters; the chunks of a text are joined by a separator that never
occurs inside a chunk, and each order k is counted with one
``Counter.update`` over ``re.findall('(?=([^SEP]{k}))', batch)`` -- the
overlapping k-grams that contain no separator, found and counted in C code
with no per-character Python loop.

Parallel counting partitions the *orders*, not the text: every worker sees
every batch and counts only its own orders, so the workers' tables are
disjoint and nothing has to be merged (``jobs`` beyond ``order`` are not
used).

Exactness and ``min_count``: the counts kept while training are the raw ones,
so ``update`` can be called again and again (additive training) and two
counters add exactly.  ``min_count`` is applied when counts are read out or
saved; an n-gram that reaches it has both its (n-1)-grams at or above it, so
the pruned table is closed under sub-n-grams (the apriori property).
Shards that are to be merged should therefore be saved with ``min_count=1``
and pruned after the merge; merging pruned shards is exact only for n-grams
that reached ``min_count`` in every shard.

The file format (UTF-8, LF)::

    #nlp-zero counts 1
    #order 4
    #min_count 2
    #chars 19665689
    #lines 366823
    1<TAB>的<TAB>523312
    ...
    2<TAB><NUM>年<TAB>8123

after the header, one line per n-gram: order, n-gram (class symbols written
``<NUM>``/``<LAT>``), count; sorted by order, then n-gram.  Nothing in it is
evaluated when loading; a malformed line is a FormatError naming the line.

>>> c = NgramCounter(order=2, min_count=1)
>>> c.update(['吃葡萄不吐葡萄皮，不吃葡萄倒吐葡萄皮'])
>>> c['葡萄'], c['萄不'], c['皮，']
(4, 1, 0)
>>> (c + c)['葡萄']
8
"""

from __future__ import annotations

import functools
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from .errors import FormatError, NlpZeroError
from .fileio import atomic_write, read_saved, whole_number
from .pool import Broadcast
from .progress import Progress
from .spill import WorkArea, default_max_memory, merge_runs, rss, write_run
from .text import from_readable, readable, stat_chunks

log = logging.getLogger(__name__)

FORMAT_HEADER = "#nlp-zero counts 1"
_SEP = "\n"  # never inside a chunk: joins chunks of a batch
_BATCH_CHARS = 1 << 20


class NgramCounter:
    """Counts of character n-grams of orders 1..``order`` inside chunks.

    Behaves like a read-only Counter keyed by n-gram (any order):
    ``counter['中国']``, ``'中国' in counter``, ``len(counter)``,
    ``counter.most_common(10, order=2)``, ``a + b``.
    """

    def __init__(self, order: int = 4, min_count: int = 1):
        if not 1 <= order <= 32:
            raise NlpZeroError(f"order must be between 1 and 32, not {order}")
        if min_count < 1:
            raise NlpZeroError(f"min_count must be at least 1, not {min_count}")
        self.order = order
        self.min_count = min_count
        self.chars = 0  # symbols counted (the number of 1-grams)
        self.lines = 0
        # _raw[k-1]: raw counts of k-grams, possibly with separator-straddling junk
        self._raw: list[Counter] = [Counter() for _ in range(order)]

    # -- counting ----------------------------------------------------------

    def update(self, lines: Iterable[str]) -> None:
        """Count the n-grams of ``lines`` (additive: call as often as you like)."""
        _check_lines(lines)
        orders = range(1, self.order + 1)
        for text, n_lines in _texts(lines):
            self.lines += n_lines
            self.chars += _count_text(self._raw, text, orders)

    def count(self, lines: Iterable[str], jobs: int = 1,
              progress: Callable[[str, int, int | None], None] | None = None) -> "NgramCounter":
        """Like :meth:`update`, with ``jobs`` worker processes and optional progress; returns self.

        This process reads the lines; it and ``jobs - 1`` workers each count a
        share of the orders over all of them (orders are dealt out so that the
        work, which grows with the order, is balanced).  The result equals a one-process
        count exactly.  ``progress("counting", lines_done, None)`` is called as
        batches are read (docs/design.md §13; the old ``True``/``"tty"``/``"jsonl"``,
        a meter printed by the counter, still works and warns).
        """
        _check_lines(lines)
        lines = _with_progress(lines, progress)
        groups = _deal_orders(self.order, jobs)
        if len(groups) <= 1:
            self.update(lines)
            return self
        # This process counts the first group itself while it feeds the others.
        mine, theirs = groups[0], groups[1:]
        with Broadcast(_count_orders, [(self.order, g) for g in theirs]) as workers:
            for text, n_lines in _texts(lines):
                self.lines += n_lines
                workers.send(text)
                self.chars += _count_text(self._raw, text, mine)
            for tables in workers.results():
                for k, table in tables.items():
                    if self._raw[k - 1]:
                        self._raw[k - 1].update(table)
                    else:
                        self._raw[k - 1] = table
        return self

    def _add_raw(self, tables: list[dict], chars: int, lines: int) -> None:
        for mine, theirs in zip(self._raw, tables):
            mine.update(theirs)
        self.chars += chars
        self.lines += lines

    # -- reading out -------------------------------------------------------

    def ngrams(self, k: int) -> dict[str, int]:
        """The k-grams with their counts, those below ``min_count`` left out."""
        if not 1 <= k <= self.order:
            raise NlpZeroError(f"order {k} is not counted (1..{self.order})")
        table = self._raw[k - 1]
        if self.min_count <= 1:
            return dict(table)
        m = self.min_count
        return {g: c for g, c in table.items() if c >= m}

    def total(self, k: int = 1) -> int:
        """Number of k-gram occurrences counted (before pruning)."""
        return sum(self._raw[k - 1].values())

    def __getitem__(self, gram: str) -> int:
        if not 1 <= len(gram) <= self.order or _SEP in gram:
            return 0
        c = self._raw[len(gram) - 1].get(gram, 0)
        return c if c >= self.min_count else 0

    def __contains__(self, gram: str) -> bool:
        return self[gram] > 0

    def __len__(self) -> int:
        return sum(len(self.ngrams(k)) for k in range(1, self.order + 1))

    def __iter__(self) -> Iterator[str]:
        for k in range(1, self.order + 1):
            yield from sorted(self.ngrams(k))

    def most_common(self, n: int | None = None, order: int | None = None) -> list[tuple[str, int]]:
        """The ``n`` most frequent n-grams (of one order, or of all), ties by n-gram."""
        orders = [order] if order else range(1, self.order + 1)
        items = [kv for k in orders for kv in self.ngrams(k).items()]
        items.sort(key=lambda kv: (-kv[1], kv[0]))
        return items if n is None else items[:n]

    def __add__(self, other: "NgramCounter") -> "NgramCounter":
        if not isinstance(other, NgramCounter):
            return NotImplemented
        total = NgramCounter(max(self.order, other.order), max(self.min_count, other.min_count))
        for part in (self, other):
            total._add_raw(part._raw, part.chars, part.lines)
        return total

    def merge(self, other: "NgramCounter") -> "NgramCounter":
        """Add ``other``'s counts into this counter, in place (orders beyond ours are ignored); returns self."""
        self._add_raw(other._raw[: self.order], other.chars, other.lines)
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NgramCounter):
            return NotImplemented
        return (self.order, self.chars) == (other.order, other.chars) and all(
            self.ngrams(k) == other.ngrams(k) for k in range(1, self.order + 1))

    def __repr__(self) -> str:
        return f"NgramCounter(order={self.order}, min_count={self.min_count}, chars={self.chars})"

    # -- files -------------------------------------------------------------

    def save(self, path: str) -> None:
        """Write the counts (pruned at ``min_count``) in the documented text format."""
        with atomic_write(path) as f:
            f.write(_header(self.order, self.min_count, self.chars, self.lines))
            for k in range(1, self.order + 1):
                f.writelines(f"{k}\t{g}\t{c}\n" for g, c in _sorted_rows(self.ngrams(k)))

    @classmethod
    def load(cls, path: str) -> "NgramCounter":
        """Read a file written by :meth:`save` (BOM and CRLF tolerated)."""
        rows = read_saved(path)
        lineno, first = next(rows, (1, ""))
        if first != FORMAT_HEADER:
            raise FormatError(path, f"not an nlp-zero counts file (first line should be {FORMAT_HEADER!r})", 1)
        header: dict[str, int] = {}
        counter: NgramCounter | None = None
        for lineno, line in rows:
            if counter is None:
                if line.startswith("#"):
                    key, _, value = line[1:].partition(" ")
                    if whole_number(value) is None:
                        raise FormatError(path, f"bad header line {line.strip()!r}", lineno)
                    header[key] = int(value)
                    continue
                counter = cls._from_header(path, header, lineno)
            parts = line.split("\t")
            if len(parts) != 3:
                raise FormatError(path, "expected 'order<TAB>ngram<TAB>count'", lineno)
            k, gram, c = whole_number(parts[0]), from_readable(parts[1]), whole_number(parts[2])
            if k is None or c is None or not gram or c < 1:
                raise FormatError(path, "order and count must be positive whole numbers", lineno)
            if len(gram) != k or k > counter.order or any(ch.isspace() for ch in gram):
                raise FormatError(path, f"n-gram {gram!r} does not fit order {k} of a {counter.order}-gram file",
                                  lineno)
            table = counter._raw[k - 1]
            if gram in table:
                raise FormatError(path, f"n-gram {gram!r} listed twice", lineno)
            table[gram] = c
        return counter if counter is not None else cls._from_header(path, header, lineno)

    @classmethod
    def _from_header(cls, path: str, header: dict[str, int], lineno: int) -> "NgramCounter":
        for key in ("order", "min_count", "chars"):
            if key not in header:
                raise FormatError(path, f"header has no #{key} line", lineno)
        try:
            counter = cls(header["order"], header["min_count"])
        except NlpZeroError as e:
            raise FormatError(path, str(e)) from None
        counter.chars = header["chars"]
        counter.lines = header.get("lines", 0)
        return counter

    @classmethod
    def merge_files(cls, paths: Iterable[str], min_count: int | None = None) -> "NgramCounter":
        """Add up saved count files; prune at ``min_count`` (default: the largest of theirs)."""
        total: NgramCounter | None = None
        for path in paths:
            part = cls.load(path)
            total = part if total is None else total + part
        if total is None:
            raise NlpZeroError("no count files to merge")
        if min_count is not None:
            if min_count < 1:
                raise NlpZeroError(f"min_count must be at least 1, not {min_count}")
            total.min_count = min_count
        return total


def _header(order: int, min_count: int, chars: int, lines: int) -> str:
    return f"{FORMAT_HEADER}\n#order {order}\n#min_count {min_count}\n#chars {chars}\n#lines {lines}\n"


def _sorted_rows(table: dict[str, int]) -> list[tuple[str, int]]:
    """``(n-gram as written, count)`` in the file's order: sorted by the written n-gram."""
    return sorted(zip(map(readable, table), table.values()))


# -- counting in bounded memory ------------------------------------------------

#: Memory per distinct n-gram held while counting (the Counter's slot, the key
#: string, its count), in bytes; measured on People's Daily at orders 1-4.
BYTES_PER_NGRAM = 170
#: The smallest share of the budget one counting process is given.
MIN_SHARE = 16 << 20


@dataclass(frozen=True)
class CountSummary:
    """What :func:`count_to_file` wrote: sizes, and the n-grams kept of each order."""

    order: int
    min_count: int
    chars: int
    lines: int
    kept: tuple[int, ...]  # kept[k - 1]: the k-grams written


class _Spiller:
    """Counts some orders of the texts it is given in a bounded table, spilling sorted runs.

    When the table holds more n-grams than ``limit``, each order's counts are
    written to the work area as a run sorted by the n-gram as written (what
    the output file is sorted by) and the table is emptied.  :meth:`finish`
    writes each order's output lines, pruned at ``min_count``, to a file of
    its own: from memory when the order never spilled, else by merging its runs.
    """

    def __init__(self, order: int, orders: list[int], min_count: int, limit: int, prefix: str):
        self.orders = orders
        self.min_count = min_count
        self.limit = limit
        self.prefix = prefix
        self.tables = [Counter() for _ in range(order)]
        self.runs: dict[int, list[str]] = {k: [] for k in orders}
        self.chars = 0

    def add(self, text: str) -> int:
        chars = _count_text(self.tables, text, self.orders)
        self.chars += chars
        if sum(len(self.tables[k - 1]) for k in self.orders) > self.limit:
            self._spill()
        return chars

    def _spill(self) -> None:
        for k in self.orders:
            self._spill_order(k)

    def finish(self) -> dict[int, str]:
        """Write each order's complete, pruned output lines to a file of its own; their paths.

        An order that never spilled is written from memory; the runs of one
        that did are merged here -- in each counting process at once, for
        its own orders.
        """
        out: dict[int, str] = {}
        m = self.min_count
        for k in self.orders:
            path = f"{self.prefix}.k{k}.done"
            with open(path, "w", encoding="utf-8") as f:
                if self.runs[k]:
                    if self.tables[k - 1]:
                        self._spill_order(k)
                    f.writelines(f"{k}\t{g}\t{c}\n" for g, c in merge_runs(self.runs[k]) if c >= m)
                    for run in self.runs[k]:
                        os.remove(run)
                else:
                    f.writelines(f"{k}\t{g}\t{c}\n" for g, c in _sorted_rows(self.tables[k - 1]) if c >= m)
            out[k] = path
            self.tables[k - 1] = Counter()
        return out

    def _spill_order(self, k: int) -> None:
        path = f"{self.prefix}.k{k}.r{len(self.runs[k])}"
        write_run(path, _sorted_rows(self.tables[k - 1]))
        self.runs[k].append(path)
        self.tables[k - 1] = Counter()


def _spill_orders(order: int, orders: list[int], min_count: int, limit: int, prefix: str,
                  texts: Iterable[str]) -> tuple[int, dict]:
    """A counting worker of :func:`count_to_file`: its orders' counts, spilled as needed."""
    spiller = _Spiller(order, orders, min_count, limit, prefix)
    for text in texts:
        spiller.add(text)
    return spiller.chars, spiller.finish()


def count_to_file(lines: Iterable[str], path: str, order: int = 4, min_count: int = 1,
                  max_memory: int | None = None, jobs: int = 1, tmp_dir: str | None = None,
                  progress: Callable[[str, int, int | None], None] | None = None) -> CountSummary:
    """Count the n-grams of ``lines`` and write them to ``path`` (the counts format), in bounded memory.

    The same file as ``NgramCounter(order, min_count).count(lines).save(path)``,
    byte for byte, whatever ``max_memory`` and ``jobs``: each counting process
    (this one and ``jobs - 1`` workers, each with a share of the orders, as in
    :meth:`NgramCounter.count`) keeps its table within its share of
    ``max_memory`` (default :func:`~nlp_zero.spill.default_max_memory`) by
    spilling sorted runs to a work area under ``tmp_dir``; the runs are then
    merged as a stream straight into the output, where ``min_count`` is
    applied.  The work area is removed however the call ends.
    ``progress("counting", lines_done, None)`` is called as lines are read.
    """
    _check_lines(lines)
    NgramCounter(order, min_count)  # checks the parameters
    budget = default_max_memory() if max_memory is None else max_memory
    lines = _with_progress(lines, progress)
    groups = _deal_orders(order, jobs)
    share = max((budget - rss()) // len(groups), MIN_SHARE)
    # A batch's k-grams are a transient list of strings: keep it a small part of the share.
    batch = max(1 << 14, min(_BATCH_CHARS, share // (BYTES_PER_NGRAM * 8)))
    limit = max(1, (share - batch * BYTES_PER_NGRAM) // BYTES_PER_NGRAM)
    n_lines = 0
    with WorkArea(tmp_dir) as area:
        mine = _Spiller(order, groups[0], min_count, limit, area.path("p0"))
        args = [(order, g, min_count, limit, area.path(f"p{i}")) for i, g in enumerate(groups[1:], 1)]
        with Broadcast(_spill_orders, args) as workers:  # (no workers with one job)
            for text, n in _texts(lines, batch):
                n_lines += n
                workers.send(text)
                mine.add(text)
            workers.end()  # the workers merge their runs while this process merges its own
            parts = [mine.finish()] + [where for _, where in workers.results()]
        where = {k: w for part in parts for k, w in part.items()}
        kept = []
        with atomic_write(path) as f:
            f.write(_header(order, min_count, mine.chars, n_lines))
            for k in range(1, order + 1):
                with open(where[k], encoding="utf-8") as done:
                    kept.append(sum(1 for _ in _copy_lines(done, f)))
    return CountSummary(order, min_count, mine.chars, n_lines, tuple(kept))


def _copy_lines(src, dst) -> Iterator[None]:
    """Copy a text file's lines to ``dst`` in big blocks, yielding once per line copied."""
    while True:
        block = src.read(1 << 20)
        if not block:
            return
        dst.write(block)
        yield from range(block.count("\n"))


# -- batching and workers ---------------------------------------------------


def _with_progress(lines: Iterable[str], progress) -> Iterable[str]:
    """``lines``, reporting ``progress("counting", lines_done, None)`` every 4096 lines (a callable),
    or wrapped in a printed meter (the old ``True``/``"tty"``/``"jsonl"``, with a DeprecationWarning)."""
    if not progress:
        return lines
    if not callable(progress):
        import warnings

        warnings.warn("progress=True/'tty'/'jsonl' is deprecated: pass a callable progress(stage, done, total), "
                      "e.g. nlp_zero.progress.Progress('counting', mode='tty').step", DeprecationWarning, stacklevel=3)
        return Progress("counting", lines, mode=progress if isinstance(progress, str) else "tty").wrap(lines)

    def reporting() -> Iterator[str]:
        n = 0
        for n, line in enumerate(lines, 1):
            yield line
            if not n & 4095:
                progress("counting", n, None)
        progress("counting", n, None)
    return reporting()


def _check_lines(lines: object) -> None:
    """A single string is a mistake for a list of lines: it would be counted character by character."""
    if isinstance(lines, (str, bytes)):
        raise TypeError(f"lines must be an iterable of strings, not one {type(lines).__name__} "
                        "(wrap a single text in a list)")


def _texts(lines: Iterable[str], batch_chars: int = _BATCH_CHARS) -> Iterator[tuple[str, int]]:
    """Join lines into texts of about a million characters: ``(text, number of lines)``.

    Line ends are chunk boundaries, so counting a joined text is the same as
    counting its lines one by one, with far fewer calls.  (The line end is
    ``_SEP``, so joined chunks are a batch ready to count.)
    """
    buf: list[str] = []
    size = 0
    for line in lines:
        buf.append(line)
        size += len(line) + 1
        if size >= batch_chars:
            yield _SEP.join(buf), len(buf)
            buf = []
            size = 0
    if buf:
        yield _SEP.join(buf), len(buf)


def _count_text(tables: list[Counter], text: str, orders: Iterable[int]) -> int:
    """Count the k-grams (k in ``orders``) inside the chunks of ``text``; return its symbol count."""
    chunks = stat_chunks(text)
    if not chunks:
        return 0
    batch = _SEP.join(chunks)
    for k in orders:
        _count_batch(tables[k - 1], batch, k)
    return len(batch) - len(chunks) + 1


def _count_batch(table: Counter, batch: str, k: int) -> None:
    """Add the k-grams of a separator-joined batch of chunks to ``table``."""
    if k == 1:
        table.update(batch.replace(_SEP, ""))
    else:
        table.update(ngram_regex(k).findall(batch))


# -- the counting kernel, shared with discovery's passes ----------------------


@functools.lru_cache(maxsize=None)
def ngram_regex(k: int, first: str | None = None) -> re.Pattern:
    """The overlapping k-grams of a batch of newline-joined chunks (a zero-width lookahead).

    ``first``: a regex character class (without brackets); only the k-grams
    whose first symbol is in it.  ``findall`` runs the whole scan in C.

    >>> ngram_regex(2).findall('葡萄皮\\n不吐'), ngram_regex(2, '不').findall('葡萄皮\\n不吐')
    (['葡萄', '萄皮', '不吐'], ['不吐'])
    """
    if first is None:
        return re.compile(f"(?=([^{_SEP}]{{{k}}}))") if k > 1 else re.compile(f"[^{_SEP}]")
    return re.compile(f"(?=([{first}][^{_SEP}]{{{k - 1}}}))") if k > 1 else re.compile(f"[{first}]")


def add_counts(table: Counter, found: Iterable[str], weight: int = 1) -> None:
    """Add each string of ``found`` to ``table``, ``weight`` times (a chunk seen m times weighs m).

    >>> t = Counter(); add_counts(t, ['葡萄', '葡萄', '萄皮'], 3); t
    Counter({'葡萄': 6, '萄皮': 3})
    """
    if weight == 1:
        table.update(found)
    else:
        table.update({g: c * weight for g, c in Counter(found).items()})


def _deal_orders(order: int, jobs: int) -> list[list[int]]:
    """Deal orders 1..order to at most ``jobs`` groups, balancing cost ~ k (order 1 ~ free)."""
    groups: list[list[int]] = [[] for _ in range(max(1, min(jobs, order)))]
    load = [0.0] * len(groups)
    for k in range(order, 0, -1):  # largest first, each to the least-loaded group
        i = min(range(len(groups)), key=lambda j: (load[j], j))
        groups[i].append(k)
        load[i] += k if k > 1 else 0.3
    return [sorted(g) for g in groups if g]


def _count_orders(order: int, orders: list[int], texts: Iterable[str]) -> dict[int, Counter]:
    """A counting worker: the counts of ``orders`` in every text it is sent."""
    tables = [Counter() for _ in range(order)]
    for text in texts:
        _count_text(tables, text, orders)
    return {k: tables[k - 1] for k in orders}
