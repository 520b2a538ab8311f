"""Bounded memory: budgets, work areas on disk, sorted runs (docs/design.md §6).

Learning from a big corpus needs more n-gram statistics than fit in memory.
The learner (:mod:`nlp_zero.discovery`) therefore splits its work into
*tasks*, each sized to a share of a memory budget, that exchange their
results through files in a private work area on disk, and runs them one
after the other or in worker processes.  Results never depend on how the work
was split: every task computes exact values, and the values are combined in
an order that does not depend on the split.

This module has the pieces that do not know about language:

* :func:`parse_size` and :func:`default_max_memory` (the budget);
* :class:`WorkArea`, a temporary directory that is removed whatever happens
  (an error, Ctrl-C, SIGTERM turned into an exception by the CLI);
* :func:`write_run` and :func:`merge_runs`: external aggregation.  A table
  of counts that outgrows its share of the budget is written out as a
  *sorted run*; the runs are merged as a stream (``heapq.merge``), equal keys
  summed, so the result is exact and is produced in sorted order, ready to be
  written straight to an output file.

Worker processes are :mod:`nlp_zero.pool`'s.
"""

from __future__ import annotations

import heapq
import os
import re
import shutil
import tempfile
import weakref
from collections import Counter
from typing import Iterable, Iterator

_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_SIZE_RE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*", re.IGNORECASE)

#: Smallest budget accepted: below this, the interpreter and the chunk store alone do not fit.
MIN_MEMORY = 64 << 20


def parse_size(text: str) -> int:
    """Bytes in a size written as ``400M``, ``1.5G``, ``800k``, ``2GiB`` or plain bytes (units of 1024).

    >>> parse_size('400M'), parse_size('1.5g'), parse_size('1024')
    (419430400, 1610612736, 1024)
    """
    m = _SIZE_RE.fullmatch(text)
    if not m:
        raise ValueError(f"not a size: {text!r} (examples: 400M, 1.5G, 800k)")
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def physical_memory() -> int | None:
    """Total RAM of the machine in bytes, or None when the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def default_max_memory() -> int:
    """The default budget: an eighth of the RAM, at least 256 MiB and at most 1 GiB.

    An eighth leaves the machine usable for everything else (a laptop with
    8 GB gives 1 GiB); the cap of 1 GiB is where a bigger budget stops paying
    (the work is split into fewer passes, and the passes are cheap).
    """
    ram = physical_memory() or (8 << 30)
    return max(256 << 20, min(ram // 8, 1 << 30))


def rss() -> int:
    """Resident memory of this process now (bytes; 0 where /proc is missing)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class WorkArea:
    """A private temporary directory, removed on exit however the block ends.

    >>> with WorkArea() as area:
    ...     path = area.path('x.txt')
    >>> os.path.exists(os.path.dirname(path))
    False
    """

    def __init__(self, tmp_dir: str | os.PathLike | None = None):
        self.tmp_dir = tmp_dir
        self.root: str | None = None

    def __enter__(self) -> WorkArea:
        self.root = tempfile.mkdtemp(prefix="nlp-zero-", dir=self.tmp_dir)
        return self

    def __exit__(self, *exc) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def path(self, name: str) -> str:
        assert self.root is not None, "WorkArea used outside its with block"
        return os.path.join(self.root, name)


def write_run(path: str, items: Iterable[tuple[str, int]]) -> None:
    """Write ``(key, count)`` pairs, already sorted by key, as a run: ``key<TAB>count`` lines.

    Keys must not contain a tab or a newline, and every character of a key
    must sort after the tab (true of n-grams and chunks), so that sorting the
    lines sorts the keys.
    """
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(f"{k}\t{c}\n" for k, c in items)


def _read_run(path: str) -> Iterator[str]:
    with open(path, encoding="utf-8") as f:
        yield from f


def merge_runs(paths: Iterable[str]) -> Iterator[tuple[str, int]]:
    """The runs' ``(key, count)`` pairs merged in key order, the counts of equal keys added.

    Equal keys are neighbours in the merged stream of lines: a key is
    followed by a tab, which sorts before every character a key has.
    """
    key = None
    total = 0
    for line in heapq.merge(*map(_read_run, paths)):
        cut = line.rindex("\t")
        this = line[:cut]
        if this == key:
            total += int(line[cut + 1:])
        else:
            if key is not None:
                yield key, total
            key, total = this, int(line[cut + 1:])
    if key is not None:
        yield key, total


class SpillingCounter:
    """A Counter of strings that holds at most about ``limit`` keys in memory; the rest wait on disk.

    Keys are added to :attr:`memory` (a Counter; add to it directly, then
    call :meth:`check`); when it holds more than ``limit`` keys, it is written
    to a private work area under ``tmp_dir`` as a sorted run and emptied.
    :meth:`items` gives every key with its total count, in key order, merging
    the runs and the memory as a stream.  The work area goes when the counter
    is garbage-collected, and at the latest when the process exits.
    Keys follow :func:`write_run`'s rule (no tab, no newline).

    >>> c = SpillingCounter(limit=2)
    >>> for word in '甲 乙 丙 甲 丁 甲'.split():
    ...     c.memory[word] += 1
    ...     c.check()
    >>> list(c.items()), c.spilled
    ([('丁', 1), ('丙', 1), ('乙', 1), ('甲', 3)], True)
    """

    def __init__(self, limit: int, tmp_dir: str | os.PathLike | None = None):
        self.limit = max(1, limit)
        self.tmp_dir = tmp_dir
        self.memory: Counter = Counter()
        self.runs: list[str] = []
        self._root: str | None = None

    @property
    def spilled(self) -> bool:
        return bool(self.runs)

    def check(self) -> None:
        """Spill the keys in memory to a sorted run if there are more than ``limit``."""
        if len(self.memory) > self.limit:
            self.spill()

    def spill(self) -> None:
        if not self.memory:
            return
        if self._root is None:
            self._root = tempfile.mkdtemp(prefix="nlp-zero-", dir=self.tmp_dir)
            weakref.finalize(self, shutil.rmtree, self._root, True)  # (the registry keeps it)
        path = os.path.join(self._root, f"run{len(self.runs)}")
        write_run(path, sorted(self.memory.items()))
        self.runs.append(path)
        self.memory = Counter()

    def items(self) -> Iterator[tuple[str, int]]:
        """Every key and its count, sorted by key."""
        if not self.runs:
            return iter(sorted(self.memory.items()))
        self.spill()
        return merge_runs(self.runs)

    def __bool__(self) -> bool:
        return bool(self.memory) or bool(self.runs)
