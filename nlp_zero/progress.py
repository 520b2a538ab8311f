"""Progress on stderr for long runs: stage, bytes read of total, rate, ETA.

Only the CLI turns it on (when stderr is a terminal, with ``--progress``, or
as JSON lines for pipelines with ``--progress jsonl``); the library is silent
by default.  Two kinds of stage:

* a reading stage (:meth:`Progress.wrap`) reads ``bytes_read`` and
  ``total_bytes()`` from a :class:`~nlp_zero.corpus.Corpus` when the lines
  come from one (compressed inputs are measured in compressed bytes, so the
  fraction done is right), and falls back to counting lines otherwise;
* a stage of passes (:meth:`Progress.step`) reports passes done of total.

A JSON line has ``stage``, ``elapsed`` (seconds), ``stage_elapsed`` and
``final``, and ``bytes``, ``total_bytes``, ``fraction``, ``rate`` (bytes/s),
``eta`` (seconds), ``lines`` or ``done``/``total`` as far as they are known.
``elapsed`` counts from the start of the command when the CLI asked for that
(:func:`count_from_process_start`: the process's own start, interpreter
start-up included, so that the last figure is the true time of the run), else
from the stage's start; ``stage_elapsed`` always from the stage's start.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import IO, Iterable, Iterator

_EVERY = 0.5  # seconds between updates

MODES = ("tty", "jsonl")

_origin: float | None = None  # time.monotonic() that "elapsed" counts from, when set


def _process_start() -> float:
    """``time.monotonic()`` at the start of this process where the system tells it (Linux), else now."""
    now = time.monotonic()
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        age = uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22 of stat: start, in ticks since boot
    except (OSError, ValueError, IndexError):
        return now
    return now - age if 0 <= age < 86400 * 365 else now


def count_from_process_start() -> None:
    """Make ``elapsed`` count from the start of this process (the CLI calls this once)."""
    global _origin
    _origin = _process_start()


class Progress:
    def __init__(self, stage: str, source: object = None, stream: IO[str] | None = None, mode: str = "tty"):
        if mode not in MODES:
            raise ValueError(f"progress mode must be one of {MODES}, not {mode!r}")
        self.stage = stage
        self.source = source
        self.stream = stream or sys.stderr
        self.mode = mode
        total = getattr(source, "total_bytes", None)
        self.total = total() if callable(total) else None
        self.start = time.monotonic()
        self._last = 0.0
        self.lines = 0
        self.done: int | None = None
        self.of: int | None = None

    def wrap(self, lines: Iterable[str]) -> Iterator[str]:
        """Yield ``lines`` unchanged, updating the meter as they pass."""
        try:
            for line in lines:
                self.lines += 1
                if not self.lines & 1023:
                    self.update()
                yield line
        finally:
            self.update(final=True)

    def step(self, stage: str, done: int, total: int) -> None:
        """``done`` of ``total`` passes of ``stage`` are finished (a new stage restarts the clock)."""
        if stage != self.stage or self.done is None:
            self.stage = stage
            self.start = time.monotonic()
            self._last = 0.0
        self.done, self.of = done, total
        self.update(final=done >= total)

    def _figures(self, elapsed: float) -> dict:
        now = self.start + elapsed
        out: dict = {"stage": self.stage, "elapsed": round(now - (self.start if _origin is None else _origin), 3),
                     "stage_elapsed": round(elapsed, 3)}
        if self.done is not None:
            out.update(done=self.done, total=self.of)
            if 0 < self.done < self.of:
                out["eta"] = round(elapsed * (self.of - self.done) / self.done, 1)
            return out
        done = getattr(self.source, "bytes_read", None)
        if done is None:
            out["lines"] = self.lines
            return out
        out.update(bytes=done, rate=round(done / elapsed))
        if self.total:
            share = min(done / self.total, 1.0)
            out.update(total_bytes=self.total, fraction=round(share, 4))
            if share > 0:
                out["eta"] = round(elapsed * (1 - share) / share, 1)
        return out

    def update(self, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < _EVERY:
            return
        self._last = now
        fig = self._figures(max(now - self.start, 1e-9))
        if self.mode == "jsonl":
            fig["final"] = final
            print(json.dumps(fig, sort_keys=True), file=self.stream, flush=True)
            return
        if "done" in fig:
            text = f"pass {fig['done']} of {fig['total']}"
        elif "bytes" in fig:
            text = f"{fig['bytes'] / 1e6:,.1f} MB"
            if "total_bytes" in fig:
                text += f" of {fig['total_bytes'] / 1e6:,.1f} MB ({fig['fraction']:.0%})"
            text += f", {fig['rate'] / 1e6:,.1f} MB/s"
        else:
            text = (f"{fig['lines']:,} lines, {fig['lines'] / fig['stage_elapsed']:,.0f} lines/s"
                    if fig["stage_elapsed"] else "")
        if "eta" in fig:
            text += f", ETA {_clock(fig['eta'])}"
        end = "\n" if final else ""
        print(f"\r{fig['stage']}: {text}, {_clock(fig['elapsed'])} elapsed\033[K", end=end, file=self.stream,
              flush=True)


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
