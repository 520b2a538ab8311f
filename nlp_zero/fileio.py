"""Output files written atomically, and small helpers shared by the savers.

A writer never leaves a partial file behind: text goes to a temporary file in
the destination's directory, which is renamed over the destination only when
everything was written (``os.replace`` is atomic on POSIX and Windows).  If
anything fails -- an exception, Ctrl-C -- the temporary file is removed and a
previous file of the same name is left untouched.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from typing import IO, Iterator


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str, newline: str = "\n") -> Iterator[IO[str]]:
    """Open ``path`` for writing UTF-8 text, atomically.  ``-`` is stdout."""
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
