"""Progress on stderr for long runs: stage, bytes read of total, rate, ETA.

Only the CLI turns it on (when stderr is a terminal, or with --progress); the
library is silent by default.  The meter reads ``bytes_read`` and
``total_bytes()`` from a :class:`~nlp_zero.corpus.Corpus` when the lines
come from one (compressed inputs are measured in compressed bytes, so the
fraction done is right), and falls back to counting lines otherwise.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Iterable, Iterator

_EVERY = 0.5  # seconds between updates


class Progress:
    def __init__(self, stage: str, source: object = None, stream: IO[str] | None = None):
        self.stage = stage
        self.source = source
        self.stream = stream or sys.stderr
        total = getattr(source, "total_bytes", None)
        self.total = total() if callable(total) else None
        self.start = time.monotonic()
        self._last = 0.0
        self.lines = 0

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

    def update(self, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < _EVERY:
            return
        self._last = now
        elapsed = max(now - self.start, 1e-9)
        done = getattr(self.source, "bytes_read", None)
        if done is None:
            text = f"{self.lines:,} lines, {self.lines / elapsed:,.0f} lines/s"
        else:
            text = f"{done / 1e6:,.1f} MB"
            if self.total:
                share = min(done / self.total, 1.0)
                eta = elapsed * (1 - share) / share if share > 0 else 0
                text += f" of {self.total / 1e6:,.1f} MB ({share:.0%}), ETA {_clock(eta)}"
            text += f", {done / 1e6 / elapsed:,.1f} MB/s"
        end = "\n" if final else ""
        print(f"\r{self.stage}: {text}, {_clock(elapsed)} elapsed\033[K", end=end, file=self.stream, flush=True)


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
