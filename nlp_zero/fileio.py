"""Output files written atomically, the one reader of saved files, and the one byte-order-mark rule.

A writer never leaves a partial file behind: text goes to a temporary file in
the destination's directory, which is renamed over the destination only when
everything was written (``os.replace`` is atomic on POSIX and Windows).  If
anything fails -- an exception, Ctrl-C -- the temporary file is removed and a
previous file of the same name is left untouched.  A destination that cannot
be written (no such directory, a directory, no permission, disk full) or text
that is not encodable as UTF-8 (a lone surrogate) is an :class:`OutputError`
naming the path: one line for the user, never a traceback.

Every text file this package reads follows one rule for byte-order marks
(:func:`strip_bom`, :func:`bom_encoding`): a UTF-8 mark at the very start of
a file is dropped, wherever the file is read -- saved files
(:func:`read_saved`), dictionaries, corpora read as UTF-8; a UTF-16 or UTF-32
mark makes a corpus decode as that encoding.  A U+FEFF anywhere else is text
and is kept.  Saved files (counts, learner state, lexicon TSV, templates) are
read through :func:`read_saved` alone.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import stat
import sys
import tempfile
from typing import IO, AnyStr, Iterator

from .errors import OutputError

# Errors of a write inside the ``with`` body that concern the output itself.
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def os_cause(e: BaseException) -> str:
    """The cause of an I/O failure as the one-line messages of this package put it."""
    if isinstance(e, FileNotFoundError):
        return "no such file or directory"
    if isinstance(e, PermissionError):
        return "permission denied"
    if isinstance(e, IsADirectoryError):
        return "is a directory"
    if isinstance(e, EOFError):
        return "compressed file ended before the end of the stream"
    strerror = getattr(e, "strerror", None)
    return strerror.lower() if strerror else str(e) or type(e).__name__


@contextlib.contextmanager
def atomic_write(path: str, newline: str = "\n", binary: bool = False) -> Iterator[IO]:
    """Open ``path`` for writing UTF-8 text (bytes when ``binary``), atomically.  ``-`` is stdout."""
    if path == "-":
        out = sys.stdout.buffer if binary else sys.stdout
        yield out
        out.flush()
        return
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(path, "is a directory")
    if mode is not None and not stat.S_ISREG(mode):
        # /dev/null, a FIFO, a terminal: write to it; renaming over it would replace the device.
        try:
            f = open(path, "wb") if binary else open(path, "w", encoding="utf-8", newline=newline)
        except OSError as e:
            raise OutputError(path, os_cause(e)) from None
        try:
            with f:
                yield f
        except OSError as e:
            if e.errno not in _WRITE_ERRNOS:
                raise
            raise OutputError(path, os_cause(e)) from None
        return
    # Through a symbolic link, the file it points to is replaced (not the link).
    real = os.path.realpath(path) if os.path.islink(path) else path
    directory = os.path.dirname(os.path.abspath(real))
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(real) + ".", suffix=".tmp", dir=directory)
    except OSError as e:
        raise OutputError(path, f"cannot write here ({os_cause(e)})") from None
    in_body = False  # an OSError of the caller's own (e.g. reading an input) is not ours to rename
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline=newline)) as f:
            try:
                in_body = True
                yield f
                in_body = False
            except UnicodeEncodeError as e:
                bad = e.object[e.start:e.end] if isinstance(e.object, str) else ""
                raise OutputError(path, f"cannot write {bad!r} as UTF-8 ({e.reason})") from None
            except OSError as e:
                if e.errno not in _WRITE_ERRNOS:
                    raise
                raise OutputError(path, os_cause(e)) from None
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, real)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not in_body:  # chmod, flush, fsync, close or rename failed
            raise OutputError(path, os_cause(exc)) from None
        raise


#: The UTF-8 byte-order mark as text (what a UTF-8 decoder makes of the bytes EF BB BF).
BOM = "\ufeff"

# Byte-order marks that name a wide encoding, longest first: the UTF-32-LE
# mark begins with the UTF-16-LE one.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def strip_bom(first: AnyStr) -> AnyStr:
    """The first line (or first block) of a file without its UTF-8 byte-order mark, if it has one.

    Text loses a leading U+FEFF, bytes a leading EF BB BF.  Call it on the
    start of a file only: elsewhere U+FEFF is a character like any other.

    >>> strip_bom('\\ufeff#nlp-zero counts 1'), strip_bom(b'\\xef\\xbb\\xbf<NUM> 3')
    ('#nlp-zero counts 1', b'<NUM> 3')
    """
    if isinstance(first, str):
        return first[1:] if first.startswith(BOM) else first
    return first[3:] if first.startswith(codecs.BOM_UTF8) else first


def bom_encoding(head: bytes) -> str | None:
    """``"utf-16"`` or ``"utf-32"`` when a file's first bytes are that encoding's byte-order mark, else None.

    (A corpus file that starts with one is decoded as such whatever encoding
    was asked for; the codec named reads the mark itself.)
    """
    return next((enc for bom, enc in _WIDE_BOMS if head.startswith(bom)), None)


def read_saved(path: str) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of a saved text file (counts, learner state, lexicon TSV, templates).

    UTF-8, with or without a byte-order mark (:func:`strip_bom`), LF or CRLF
    line ends (removed).  A file that cannot be opened or decoded is a
    :class:`FormatError` naming the file and, for bad bytes, the line.
    """
    from .errors import FormatError

    try:
        f = open(path, encoding="utf-8", newline="\n")  # lines end at LF only
    except OSError as e:
        raise FormatError(path, os_cause(e)) from None
    lineno = 0
    with f:
        try:
            for lineno, line in enumerate(f, 1):
                if lineno == 1:
                    line = strip_bom(line)
                    if not line:  # the file was a byte-order mark alone: an empty file
                        return
                if line.endswith("\n"):
                    line = line[:-2] if line.endswith("\r\n") else line[:-1]
                yield lineno, line
        except UnicodeDecodeError as e:
            raise FormatError(path, f"not UTF-8 text ({e.reason})", lineno + 1) from None


def whole_number(text: str) -> int | None:
    """``int(text)`` for ASCII digits only ('²'.isdigit() is true), else None."""
    return int(text) if text.isascii() and text.isdigit() else None


def check_writable(path: str, prefix: bool = False) -> None:
    """Raise :class:`OutputError` now if ``path`` cannot be written (checked before long work).

    The directory must exist and be writable, and ``path`` must not be a
    directory; ``-`` (stdout) and existing non-regular files (devices) pass.
    ``prefix``: ``path`` names several files (``-o news`` -> ``news.dict.txt``),
    so a path ending in a slash is no prefix either.
    """
    if path == "-":
        return
    if os.path.isdir(path) or (prefix and path.endswith(("/", os.sep))):
        hint = "; -o takes a prefix such as DIR/name (then DIR/name.dict.txt, ...)" if prefix else ""
        raise OutputError(path, "is a directory" + hint)
    if os.path.exists(path) and not os.path.isfile(path):
        return
    directory = os.path.dirname(os.path.abspath(os.path.realpath(path)))
    if not os.path.isdir(directory):
        raise OutputError(path, f"no such file or directory ({directory} does not exist)")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputError(path, f"cannot write here (permission denied in {directory})")
