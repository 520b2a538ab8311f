"""Worker processes: one start method, one signal policy (docs/design.md §6).

Every stage that runs in parallel goes through this module:

* :func:`run_tasks` runs a module-level function on a list of argument
  tuples, in this process or in ``jobs`` workers, results in task order (the
  passes of discovery, the spilling count);
* :class:`Broadcast` starts workers that each see every item the parent
  sends, for stages that stream their input (the counting of orders);
* :func:`context`, :func:`children_ignore_sigint` and :func:`worker_init`
  for stages that keep workers of their own (``cut -j``'s pipes).

The rules, the same everywhere:

* **Start method.**  Workers are forked where the system can fork.  A fresh
  interpreter ("spawn") would re-import the caller's main script, which a
  script without an ``if __name__ == '__main__'`` guard does not survive
  (it would start workers of its own, or hang).  Where there is no fork
  (Windows), spawn is the only choice and such a guard is needed.
* **Signals.**  Ctrl-C and SIGTERM reach the whole process group.  Workers
  ignore both from their first instruction (:func:`children_ignore_sigint`
  while they start, :func:`worker_init` after); the parent alone handles
  them and kills its workers, so a worker's death is never mistaken for a
  failure of the work and no worker prints a traceback.
* **Failures.**  An exception in a worker is raised in the parent; a worker
  that dies (killed, out of memory) is one clear error.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import signal
import sys
import threading
from operator import itemgetter
from typing import Any, Callable, Iterator, Sequence

from .errors import NlpZeroError

DIED = ("a worker process died (killed, or out of memory?); "
         "try a smaller --max-memory or fewer --jobs")


def context():
    """The multiprocessing context every stage uses: fork where the system has it."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


@contextlib.contextmanager
def children_ignore_sigint() -> Iterator[None]:
    """Start processes with SIGINT ignored from their first instruction.

    A worker still starting up would otherwise print "Fatal Python error" or a
    traceback on Ctrl-C.  SIGINT is also *blocked* meanwhile, so that a Ctrl-C
    during start-up stays pending for the parent (a blocked signal is not
    discarded as an ignored one is) and arrives as KeyboardInterrupt when the
    handler is back, instead of being lost.
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


@contextlib.contextmanager
def _frozen() -> Iterator[None]:
    """Fork inside this block: the parent's objects are out of the cycle collector's sight meanwhile.

    A forked worker shares the parent's pages until it writes them, and a
    collection in the worker would write the header of every object it
    walks -- copying, in time, the parent's whole heap into each worker.
    Frozen objects are never walked (in the workers, which inherit the
    freeze; the parent thaws them when the workers are started).  A process
    that froze objects itself is left as it is.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def worker_init() -> None:
    """First thing a worker does: leave Ctrl-C and SIGTERM to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def run_tasks(fn: Callable, tasks: Sequence[tuple], jobs: int = 1,
              done: Callable[[int, int], None] | None = None, shared: Any = None,
              consume: Callable[[Any], None] | None = None) -> list:
    """``[fn(*t) for t in tasks]``, with up to ``jobs`` worker processes; results in task order.

    ``fn`` must be a module-level function.  With ``jobs <= 1`` (or a single
    task) everything runs here.  ``done(finished, total)`` is called as tasks
    finish (for progress).  An exception in a task is raised here; on an error
    or Ctrl-C the workers are killed, so no task outlives the call.

    ``shared``: a read-only object every task needs (a table), which tasks
    get from :func:`shared`.  Forked workers inherit it -- one copy for all,
    shared with this process -- instead of a pickled copy in every task
    (sent with each task only where processes cannot fork).

    ``consume``: instead, each result is handed to it as its task finishes
    (in the order they finish) and not kept; the call returns ``[]``.  For
    results that are big and are added up.
    """
    global _SHARED
    previous, _SHARED = _SHARED, shared
    try:
        return _run(fn, tasks, jobs, done, shared, consume)
    finally:
        _SHARED = previous


_SHARED: Any = None


def shared() -> Any:
    """The object the running :func:`run_tasks` shares with its tasks."""
    return _SHARED


def _with_shared(fn: Callable, value: Any, *args: Any) -> Any:
    global _SHARED
    _SHARED = value
    return fn(*args)


def _run(fn: Callable, tasks: Sequence[tuple], jobs: int, done, shared: Any, consume) -> list:
    total = len(tasks)
    results: list = []
    if jobs <= 1 or total <= 1:
        keep = results.append if consume is None else consume
        for finished, t in enumerate(tasks, 1):
            keep(fn(*t))
            if done:
                done(finished, total)
        return results
    import concurrent.futures
    import concurrent.futures.process

    # A forked worker shares this process's pages until they are written;
    # tasks read their input from files and touch none of them.
    ctx = context()
    if shared is not None and ctx.get_start_method() != "fork":
        tasks = [(fn, shared) + tuple(t) for t in tasks]
        fn = _with_shared
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=ctx,
                                                  initializer=worker_init)
    try:
        with children_ignore_sigint(), _frozen():
            futures = {pool.submit(fn, *t): i for i, t in enumerate(tasks)}  # (forked at the first submit)
        finished = 0
        for f in concurrent.futures.as_completed(futures):
            finished += 1
            if consume is None:
                results.append((futures[f], f.result()))
            else:
                consume(f.result())
                del futures[f]  # (the future is this loop's last reference to its result)
            del f
            if done:
                done(finished, total)
        results = [r for _, r in sorted(results, key=itemgetter(0))]
    except concurrent.futures.process.BrokenProcessPool:
        _kill(pool)
        raise NlpZeroError(DIED) from None
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


def _broadcast_worker(index: int, fn: Callable, args: tuple, inbox, outbox) -> None:
    worker_init()
    try:
        result = fn(*args, iter(inbox.get, None))
    except BaseException as e:  # reported to the parent, which raises it
        outbox.put((index, False, e))
        return
    outbox.put((index, True, result))


class Broadcast:
    """Workers that each see every item the parent sends, then return one result.

    ``fn(*args, items)`` runs in a worker for each ``args`` of ``args_list``;
    ``items`` iterates over what the parent :meth:`send`\\ s.  :meth:`results`
    ends the input and returns the workers' results in the order of
    ``args_list``.  Used as a context manager: leaving the block early (an
    error, Ctrl-C) kills the workers.  An empty ``args_list`` starts none and
    costs nothing: :meth:`send` does nothing, :meth:`results` is ``[]``.
    """

    def __init__(self, fn: Callable, args_list: Sequence[tuple], queue_size: int = 4):
        ctx = context()
        self._outbox = ctx.Queue() if args_list else None
        self._inboxes = [ctx.Queue(maxsize=queue_size) for _ in args_list]
        self._ended = False
        self._workers = [ctx.Process(target=_broadcast_worker, args=(i, fn, args, q, self._outbox), daemon=True)
                         for i, (args, q) in enumerate(zip(args_list, self._inboxes))]

    def __enter__(self) -> Broadcast:
        if not self._workers:
            return self
        try:
            with children_ignore_sigint(), _frozen():
                for w in self._workers:
                    w.start()
        except BaseException:  # (Ctrl-C pending from start-up arrives here) no worker may outlive us
            self.__exit__(*sys.exc_info())
            raise
        return self

    def send(self, item: Any) -> None:
        for q in self._inboxes:
            while True:
                try:
                    q.put(item, timeout=1.0)
                    break
                except Exception:  # queue.Full: is the worker still there?
                    self._check_alive()

    def _check_alive(self) -> None:
        if any(w.exitcode not in (None, 0) for w in self._workers):
            raise NlpZeroError(DIED)

    def end(self) -> None:
        """No more items: the workers finish their work (and :meth:`results` collects it)."""
        if not self._ended:
            for q in self._inboxes:
                q.put(None)
            self._ended = True

    def results(self) -> list:
        self.end()
        results: list = [None] * len(self._workers)
        import queue

        for _ in self._workers:  # collected before joining: results travel through a pipe
            while True:
                try:
                    index, ok, value = self._outbox.get(timeout=1.0)
                    break
                except queue.Empty:
                    self._check_alive()
            if not ok:
                raise value
            results[index] = value
        for w in self._workers:
            w.join()
        return results

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is not None:
            # Items still queued for workers that are gone must not keep this process from exiting.
            for q in self._inboxes + ([self._outbox] if self._outbox else []):
                q.cancel_join_thread()
        for w in self._workers:
            if w.is_alive():
                w.kill()
                w.join()

