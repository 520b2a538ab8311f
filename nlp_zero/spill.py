"""Bounded memory and parallel passes: budgets, work areas on disk, task pools (DESIGN.md §3.2).

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
* :func:`run_tasks`, which runs module-level functions on argument tuples,
  in this process or in ``jobs`` worker processes, results in task order.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import tempfile
import threading
from typing import Callable, Iterator, Sequence

from .errors import NlpZeroError

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


@contextlib.contextmanager
def children_ignore_sigint() -> Iterator[None]:
    """Start processes with SIGINT ignored from their first instruction.

    Ctrl-C reaches the whole process group; a worker still starting up would
    otherwise print "Fatal Python error" or a traceback.  The parent handles
    Ctrl-C and terminates the workers.  (An ignored signal stays ignored across
    exec, and Python then installs no KeyboardInterrupt handler.)  SIGINT is
    also *blocked* meanwhile, so that a Ctrl-C during start-up stays pending
    for the parent (a blocked signal is not discarded as ignored) and arrives
    as KeyboardInterrupt when the handler is back, instead of being lost.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    can_block = hasattr(signal, "pthread_sigmask")
    if can_block:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if can_block:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _worker_init() -> None:
    # Ctrl-C and SIGTERM reach the whole process group: the parent alone
    # handles them (and kills its workers), so that a worker's death is never
    # mistaken for a failure of the work.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def run_tasks(fn: Callable, tasks: Sequence[tuple], jobs: int = 1,
              done: Callable[[int, int], None] | None = None) -> list:
    """``[fn(*t) for t in tasks]``, with up to ``jobs`` worker processes; results in task order.

    ``fn`` must be a module-level function.  With ``jobs <= 1`` (or a single
    task) everything runs here.  ``done(finished, total)`` is called as tasks
    finish (for progress).  An exception in a task is raised here; on an error
    or Ctrl-C the workers are killed, so no task outlives the call.
    """
    total = len(tasks)
    if jobs <= 1 or total <= 1:
        results = []
        for t in tasks:
            results.append(fn(*t))
            if done:
                done(len(results), total)
        return results
    import concurrent.futures
    import concurrent.futures.process
    import multiprocessing

    # Forks, where the system has them: a fresh interpreter ("spawn") would
    # re-run the caller's main script, which scripts without a __main__ guard
    # do not survive.  A fork shares this process's pages until they are
    # written; tasks read their input from files and touch none of them.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=context,
                                                  initializer=_worker_init)
    try:
        with children_ignore_sigint():
            futures = [pool.submit(fn, *t) for t in tasks]
        finished = 0
        for _ in concurrent.futures.as_completed(futures):
            finished += 1
            if done:
                done(finished, total)
        results = [f.result() for f in futures]
    except concurrent.futures.process.BrokenProcessPool:
        _kill(pool)
        raise NlpZeroError("a worker process died (killed, or out of memory?); "
                           "try a smaller --max-memory or fewer --jobs") from None
    except BaseException:
        _kill(pool)
        raise
    pool.shutdown(wait=True)
    return results


def _kill(pool) -> None:
    """Stop a process pool now: its workers are killed, pending tasks dropped."""
    for p in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            p.kill()
    pool.shutdown(wait=True, cancel_futures=True)
