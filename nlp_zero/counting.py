"""Exact, streaming, mergeable character n-gram counts (docs/design.md §4).

:class:`NgramCounter` counts every n-gram of orders 1..n inside the
statistical chunks of the text (:func:`nlp_zero.text.stat_chunks`: Han runs
with each Latin/digit run replaced by one class symbol).  N-grams never cross
punctuation, spaces or line ends.

How it stays fast in pure Python: lines are batched into texts of about a
million characters; the chunks of a text are joined by a separator that never
occurs inside a chunk, and only the top order n is counted from the text, with
one ``Counter.update`` over ``re.findall('(?=([^SEP]{n}))', batch)`` -- the
overlapping n-grams that contain no separator, found and counted in C code
with no per-character Python loop -- and one over the chunks' last n-1
symbols.  Each lower order follows exactly from the one above it and those
chunk ends (:class:`_Tally`), a loop over distinct n-grams, not over the text.

Parallel counting partitions the *first symbols*, not the text: every worker
sees every batch and counts only the n-grams that begin with its share of the
symbols (a range in the output's order), so the workers' tables are disjoint,
nothing has to be merged, and their sorted outputs follow one another.

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

import contextlib
import functools
import itertools
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass
from operator import itemgetter
from typing import Callable, Iterable, Iterator

from .errors import FormatError, NlpZeroError
from .fileio import atomic_write, read_saved, whole_number
from .pool import Broadcast
from .progress import Progress
from .spill import WorkArea, default_max_memory, merge_runs, rss
from .text import CLASS_SYMBOLS, from_readable, readable, stat_chunks

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
        self._count(_batches(lines), 1)

    def count(self, lines: Iterable[str], jobs: int = 1,
              progress: Callable[[str, int, int | None], None] | None = None) -> "NgramCounter":
        """Like :meth:`update`, with ``jobs`` worker processes and optional progress; returns self.

        This process reads the lines; it and ``jobs - 1`` workers each count the
        n-grams that begin with their share of the symbols, over all of the text
        (the shares are balanced on the first batch's symbol counts).  The result
        equals a one-process count exactly.  ``progress("counting", lines_done,
        None)`` is called as batches are read (docs/design.md §13; the old
        ``True``/``"tty"``/``"jsonl"``, a meter printed by the counter, still
        works and warns).
        """
        _check_lines(lines)
        self._count(_batches(_with_progress(lines, progress)), jobs)
        return self

    def _count(self, batches: Iterator[tuple[str, int, int]], jobs: int) -> None:
        first = next(batches, None)
        if first is None:
            return
        shares = _shares(first[0], jobs)
        # This process counts the first share itself while it feeds the others (none with one share).
        mine = _Tally(self.order, shares[0])
        with Broadcast(_tally_share, [(self.order, share) for share in shares[1:]]) as workers:
            for batch, n_lines, chars in itertools.chain([first], batches):
                self.lines += n_lines
                self.chars += chars
                workers.send(batch)
                mine.add(batch)
            theirs = workers.results()
        if not theirs:
            self._add_tables(mine.tables())  # (one table made at a time)
            return
        tables = dict(mine.tables())
        for part in theirs:
            for k, table in part:
                dict.update(tables[k], table)  # the shares' n-grams are disjoint
        self._add_tables(tables.items())

    def _add_tables(self, tables: Iterable[tuple[int, Counter]]) -> None:
        for k, table in tables:
            if self._raw[k - 1]:
                self._raw[k - 1].update(table)
            else:
                self._raw[k - 1] = table

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
                f.writelines(_sorted_lines(self.ngrams(k), f"{k}\t"))

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


def _sorted_lines(table: dict[str, int], head: str = "", min_count: int = 1) -> list[str]:
    """The lines ``head + n-gram as written + TAB + count`` of ``table``, sorted, those below ``min_count`` left out.

    Sorted lines are sorted by n-gram: the tab after it sorts before every
    symbol (and before ``_END``).  With ``head=""`` they are a run for
    :func:`~nlp_zero.spill.merge_runs`; with ``head="k\\t"`` lines of the file.
    """
    if min_count > 1:
        table = {g: c for g, c in table.items() if c >= min_count}
    lines = [f"{head}{g}\t{c}\n" for g, c in zip(map(readable, table), table.values())]
    lines.sort()
    return lines


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
    """Counts its share of the n-grams of the batches it is given within ``limit``, spilling sorted runs.

    When the tally passes ``limit`` n-grams (:meth:`_Tally.size`: sorting a
    table for a run holds about as much again), its top order's counts and
    its chunk ends (:meth:`_Tally.top_and_ends`) are written to the work area
    as a run sorted by the n-gram as written (what the output file is sorted
    by), and the tally is emptied.  :meth:`finish` writes each order's output
    lines, pruned at ``min_count``, to a file of its own: from memory when
    nothing was spilled; else the lower orders are made from the merged runs
    as they stream by (:func:`_lower`).
    """

    def __init__(self, order: int, share: str | None, min_count: int, limit: int, prefix: str):
        self.order = order
        self.min_count = min_count
        self.limit = limit
        self.prefix = prefix
        self.tally = _Tally(order, share)
        self.runs: list[str] = []

    def add(self, batch: str) -> None:
        self.tally.add(batch)
        if self.tally.size() > self.limit:
            self._spill()

    def _spill(self) -> None:
        path = f"{self.prefix}.r{len(self.runs)}"
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(_sorted_lines(self.tally.top_and_ends()))
        self.runs.append(path)

    def finish(self) -> dict[int, str]:
        """Write each order's complete, pruned output lines to a file of its own; their paths.

        Made here -- in each counting process at once, for its own share.
        """
        m = self.min_count
        out = {k: f"{self.prefix}.k{k}.done" for k in range(1, self.order + 1)}
        if not self.runs:
            for k, table in self.tally.tables():
                with open(out[k], "w", encoding="utf-8") as f:
                    f.writelines(_sorted_lines(table, f"{k}\t", m))
            return out
        if self.tally.top or self.tally.tails:
            self._spill()
        with contextlib.ExitStack() as stack:
            rows = merge_runs(self.runs)
            for k in range(self.order, 1, -1):
                rows = _lower(rows, stack.enter_context(open(out[k], "w", encoding="utf-8")), k, m)
            with open(out[1], "w", encoding="utf-8") as f:
                f.writelines(f"1\t{g}\t{c}\n" for g, c in rows if c >= m)
        for run in self.runs:
            os.remove(run)
        return out


#: Pads a chunk end of k symbols to the top order in a run (see :meth:`_Tally.top_and_ends`): a
#: character no chunk holds, that sorts after the tab as :func:`~nlp_zero.spill.merge_runs` needs.
_END = "\x1f"


def _lower(rows: Iterable[tuple[str, int]], f, k: int, min_count: int) -> Iterator[tuple[str, int]]:
    """Write the k-grams of a merged stream to ``f``; yield the (k-1)-grams it makes, in the same order.

    ``rows`` are ``(k-gram as written, count)`` in the file's order, with the
    chunk ends of fewer symbols among them, padded with ``_END`` (not
    written).  Dropping the last symbol of each gives the (k-1)-grams in the
    file's order too (the symbols as written are prefix-free), so the counts
    of each are neighbours and add up as they stream by:
    n(g) = sum over x of n(g x) + the chunk ends g.
    """
    write = f.write
    head = None
    total = 0
    for g, c in rows:
        last = g[-1]
        if last == _END:
            this = g[:-1]
        else:
            if c >= min_count:
                write(f"{k}\t{g}\t{c}\n")
            this = g[:-5] if last == ">" else g[:-1]  # the last symbol: <NUM>, <LAT> or one character
        if this == head:
            total += c
        else:
            if head is not None:
                yield head, total
            head, total = this, c
    if head is not None:
        yield head, total


def _spill_share(order: int, share: str, min_count: int, limit: int, prefix: str,
                 batches: Iterable[str]) -> dict[int, str]:
    """A counting worker of :func:`count_to_file`: its share's output lines, spilled as needed."""
    spiller = _Spiller(order, share, min_count, limit, prefix)
    for batch in batches:
        spiller.add(batch)
    return spiller.finish()


def count_to_file(lines: Iterable[str], path: str, order: int = 4, min_count: int = 1,
                  max_memory: int | None = None, jobs: int = 1, tmp_dir: str | None = None,
                  progress: Callable[[str, int, int | None], None] | None = None) -> CountSummary:
    """Count the n-grams of ``lines`` and write them to ``path`` (the counts format), in bounded memory.

    The same file as ``NgramCounter(order, min_count).count(lines).save(path)``,
    byte for byte, whatever ``max_memory`` and ``jobs``: each counting process
    (this one and ``jobs - 1`` workers, each with a share of the symbols, as in
    :meth:`NgramCounter.count`) keeps its tally within its part of
    ``max_memory`` (default :func:`~nlp_zero.spill.default_max_memory`) by
    spilling sorted runs to a work area under ``tmp_dir``; each merges its runs
    as a stream, ``min_count`` applied, and the shares' lines are copied one
    after the other into the output (they are in its order: a share is a range
    of first symbols).  The work area is removed however the call ends.
    ``progress("counting", lines_done, None)`` is called as lines are read.
    """
    _check_lines(lines)
    NgramCounter(order, min_count)  # checks the parameters
    budget = default_max_memory() if max_memory is None else max_memory
    procs = max(1, jobs)
    part = max((budget - rss()) // procs, MIN_SHARE)
    # A batch's n-grams are a transient list of strings: keep it a small part of the budget.
    batch_chars = max(1 << 14, min(_BATCH_CHARS, part // (BYTES_PER_NGRAM * 8)))
    limit = max(1, (part - batch_chars * BYTES_PER_NGRAM) // BYTES_PER_NGRAM)
    n_lines = chars = 0
    batches = _batches(_with_progress(lines, progress), batch_chars)
    first = next(batches, ("", 0, 0))
    shares = _shares(first[0], procs)
    with WorkArea(tmp_dir) as area:
        mine = _Spiller(order, shares[0], min_count, limit, area.path("p0"))
        args = [(order, share, min_count, limit, area.path(f"p{i}")) for i, share in enumerate(shares[1:], 1)]
        with Broadcast(_spill_share, args) as workers:  # (no workers with one share)
            for batch, n, c in itertools.chain([first], batches):
                n_lines += n
                chars += c
                workers.send(batch)
                mine.add(batch)
            workers.end()  # the workers merge their runs while this process merges its own
            parts = [mine.finish()] + workers.results()
        kept = []
        with atomic_write(path) as f:
            f.write(_header(order, min_count, chars, n_lines))
            for k in range(1, order + 1):
                kept.append(0)
                for where in parts:
                    with open(where[k], encoding="utf-8") as done:
                        kept[-1] += sum(1 for _ in _copy_lines(done, f))
    return CountSummary(order, min_count, chars, n_lines, tuple(kept))


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


def _batches(lines: Iterable[str], batch_chars: int = _BATCH_CHARS) -> Iterator[tuple[str, int, int]]:
    """The statistical chunks of about a million characters of lines at a time: ``(batch, lines, symbols)``.

    ``batch`` is the chunks joined by ``_SEP`` (a line end), ready for the
    counting kernel; counting it is the same as counting the lines one by
    one, with far fewer calls.  ``symbols`` is the number of 1-grams in it.
    """
    buf: list[str] = []
    size = 0
    for line in lines:
        buf.append(line)
        size += len(line) + 1
        if size >= batch_chars:
            yield _batch(buf)
            buf = []
            size = 0
    if buf:
        yield _batch(buf)


def _batch(lines: list[str]) -> tuple[str, int, int]:
    chunks = stat_chunks(_SEP.join(lines))
    batch = _SEP.join(chunks)
    return batch, len(lines), len(batch) - len(chunks) + 1 if chunks else 0


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


# -- the top order counted, the lower orders derived ---------------------------


class _Tally:
    """One process's counts of the n-grams of orders 1..``order`` that begin with its share of the symbols.

    Only the top order is counted from the text (one ``findall`` and one
    ``Counter.update`` per batch, in C).  Every lower order follows from it
    exactly: an occurrence of a k-gram either goes on to a (k+1)-gram or ends
    its chunk, so

        n(g) = sum over symbols x of n(g x)  +  (occurrences of g at a chunk's end)

    and the chunk ends are the last ``order - 1`` symbols of each chunk, a
    table far smaller than the n-grams (docs/design.md §4).  ``share``: a
    regex class of first symbols (see :func:`_shares`); None for all.
    """

    def __init__(self, order: int, share: str | None = None):
        self.order = order
        self.top: Counter = Counter()
        self.tails: Counter = Counter()
        self._find = ngram_regex(order, share).findall
        self._owns = re.compile(f"[{share}]").match if share else None
        self._tail = itemgetter(slice(1 - order, None))

    def add(self, batch: str) -> None:
        """Count the n-grams of a batch of ``_SEP``-joined chunks."""
        if not batch:
            return
        if self.order == 1 and self._owns is None:
            self.top.update(batch.replace(_SEP, ""))
            return
        self.top.update(self._find(batch))
        if self.order > 1:
            self.tails.update(map(self._tail, batch.split(_SEP)))

    def top_and_ends(self) -> Counter:
        """What a spill writes, the tally emptied: the top order's counts, and each chunk end of
        k < ``order`` symbols padded to ``order`` with ``_END``.

        From these merged, :func:`_lower` makes every order exactly as
        :meth:`tables` does in memory.
        """
        table, tails = self.top, self.tails
        self.top, self.tails = Counter(), Counter()
        for k in range(self.order - 1, 0, -1):
            pad = _END * (self.order - k)
            for end, c in self._ends(tails, k).items():
                table[end + pad] = c
        return table

    def _ends(self, tails: Counter, k: int) -> Counter:
        """The k-grams of this share that end a chunk, with their counts (from the chunks' tails)."""
        ends: Counter = Counter()
        get, owns = ends.get, self._owns
        for tail, c in tails.items():
            if len(tail) >= k:
                end = tail[-k:]
                if owns is None or owns(end):
                    ends[end] = get(end, 0) + c
        return ends

    def size(self) -> int:
        """The n-grams held, the top order reckoned twice: the lower orders made from it, or the sorted rows
        of a run, take about as much again."""
        return 2 * len(self.top) + len(self.tails)

    def tables(self) -> Iterator[tuple[int, Counter]]:
        """``(k, counts of the k-grams)`` from the top order down, the tally emptied.

        Each table is made from the one above it while that one is still held;
        drop each before asking for the next, and no more than two are alive.
        """
        table, tails = self.top, self.tails
        self.top, self.tails = Counter(), Counter()
        for k in range(self.order, 0, -1):
            yield k, table
            if k == 1:
                return
            lower: Counter = Counter()
            get = lower.get
            for gram, c in table.items():
                head = gram[:-1]
                lower[head] = get(head, 0) + c
            for end, c in self._ends(tails, k - 1).items():  # the (k-1)-grams that end a chunk
                lower[end] = get(end, 0) + c
            table = lower


def _tally_share(order: int, share: str, batches: Iterable[str]) -> list[tuple[int, Counter]]:
    """A counting worker of :meth:`NgramCounter.count`: its share's counts of every order."""
    tally = _Tally(order, share)
    for batch in batches:
        tally.add(batch)
    return list(tally.tables())


def _shares(sample: str, jobs: int) -> list[str | None]:
    """Split the symbols among ``jobs`` counting processes: one regex class of first symbols each.

    A share is a range of symbols in the order n-grams are written out (the
    class symbols, written ``<LAT>`` and ``<NUM>``, first; then by code
    point), so the shares' sorted outputs follow one another.  The ranges are
    balanced on the symbol counts of ``sample`` (the first batch); they only
    decide who counts what, never a count.  ``[None]`` (all symbols) for one.
    """
    if jobs <= 1:
        return [None]
    counts = Counter(sample.replace(_SEP, ""))
    weight = sum(counts.pop(s, 0) for s in CLASS_SYMBOLS)  # the class symbols go to the first share
    total = weight + sum(counts.values())
    bounds: list[int] = []  # the first code point of each share after the first
    for symbol, c in sorted(counts.items()):
        if len(bounds) + 1 < jobs and weight * jobs >= total * (len(bounds) + 1):
            bounds.append(ord(symbol))
        weight += c
    if not bounds:
        return [None]
    edges = [ord(_SEP) + 1] + bounds + [0x110000]  # (never the separator: a chunk holds none)
    shares = []
    for lo, hi in zip(edges, edges[1:]):
        ranges = [(a, b) for a, b in ((lo, min(hi, _CLASS_LO)), (max(lo, _CLASS_HI), hi)) if a < b]
        share = "".join(f"\\U{a:08x}-\\U{b - 1:08x}" for a, b in ranges)
        shares.append(share + (CLASS_SYMBOLS if lo == edges[0] else ""))
    return shares


_CLASS_LO, _CLASS_HI = min(map(ord, CLASS_SYMBOLS)), max(map(ord, CLASS_SYMBOLS)) + 1
