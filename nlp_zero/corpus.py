"""Reading raw corpora: files, directories, globs, stdin, compressed (docs/design.md §3).

A :class:`Corpus` is an iterable of lines (``str`` without the line
terminator).  It streams: a file is read line by line, and a line longer than
``max_line_chars`` is handed out in pieces, cut at a punctuation or space
character where one is near (so statistics inside a block are not broken) and
hard-cut only inside a block longer than the limit.  Iterating again reads the
inputs again, so multi-pass learners can use one Corpus; standard input is
copied to an anonymous temporary file on the first pass for that reason.

Decoding: UTF-8 by default; CRLF and LF both end a line.  Byte-order marks
follow the package's one rule (:func:`nlp_zero.fileio.strip_bom`): a UTF-8
mark at the start of a file read as UTF-8 is dropped, and a file that starts
with a UTF-16 or UTF-32 mark is decoded as such whatever ``encoding`` says.  ``errors`` decides what
happens to bytes that do not decode (and to NUL bytes, the mark of a binary
file):

* ``strict`` (default): stop with :class:`InputError` naming file, line and cause;
* ``replace``: decode with U+FFFD in place of bad bytes (NUL becomes a space);
* ``skip``: leave out lines that do not decode, and log how many were left out.

Compressed files (gzip, bzip2, xz) are recognised by their magic bytes and
decompressed as a stream; a truncated or corrupt stream is an InputError.
"""

from __future__ import annotations

import bz2
import codecs
import contextlib
import glob
import gzip
import io
import logging
import lzma
import os
import re
import shutil
import sys
import tempfile
import zlib
from importlib import resources
from typing import IO, Iterable, Iterator

from .errors import InputError, NlpZeroError
from .fileio import bom_encoding, os_cause, strip_bom
from .text import BLOCK_RE

log = logging.getLogger(__name__)

MAX_LINE_CHARS = 1 << 20  # longer lines are handed out in pieces of about this size

_MAGIC = (
    (b"\x1f\x8b", gzip.open),
    (b"BZh", bz2.open),
    (b"\xfd7zXZ\x00", lzma.open),
)
_GLOB_CHARS = re.compile(r"[*?\[]")
_DECOMPRESS_ERRORS = (EOFError, OSError, lzma.LZMAError, zlib.error)
#: What reading a damaged compressed file may raise.
DECOMPRESS_ERRORS = _DECOMPRESS_ERRORS


def decompressed(raw: IO[bytes]) -> IO[bytes]:
    """``raw`` itself, or a reader of its decompressed bytes when it starts like gzip, bzip2 or xz."""
    head = raw.peek(8)[:8]
    for magic, opener in _MAGIC:
        if head.startswith(magic):
            return opener(raw, "rb")
    return raw


def demo_path() -> str:
    """Path of the bundled demo corpus (PRC statutes, see nlp_zero/data/README.md)."""
    return str(resources.files("nlp_zero") / "data" / "laws_sample.txt.xz")


class Corpus:
    """Lines of text from files, directories, globs or ``-`` (stdin).

    >>> import os, tempfile
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, 'a.txt')
    >>> _ = open(p, 'w', encoding='utf-8').write('第一行\\r\\n第二行\\n')
    >>> list(Corpus([p]))
    ['第一行', '第二行']
    """

    def __init__(
        self,
        inputs: Iterable[str] | str,
        encoding: str = "utf-8",
        errors: str = "strict",
        max_line_chars: int = MAX_LINE_CHARS,
    ):
        if isinstance(inputs, (str, os.PathLike)):
            inputs = [inputs]
        if errors not in ("strict", "replace", "skip"):
            raise NlpZeroError(f"errors must be strict, replace or skip, not {errors!r}")
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise NlpZeroError(f"unknown encoding: {encoding}") from None
        self.encoding = encoding
        self.errors = errors
        self.max_line_chars = max(int(max_line_chars), 64)
        self.paths = _resolve([os.fspath(p) for p in inputs])
        self._stdin_copy: IO[bytes] | None = None
        self.skipped_lines = 0
        self._bytes_done = 0  # bytes of the inputs finished in this pass
        self._current: IO[bytes] | None = None  # the raw file being read

    @property
    def bytes_read(self) -> int:
        """Bytes read so far in the current pass (compressed bytes for compressed inputs)."""
        current = self._current
        try:
            return self._bytes_done + (current.tell() if current is not None else 0)
        except (OSError, ValueError):
            return self._bytes_done

    def __repr__(self) -> str:
        return f"Corpus({self.paths!r}, encoding={self.encoding!r}, errors={self.errors!r})"

    def __iter__(self) -> Iterator[str]:
        self.skipped_lines = 0
        self._bytes_done = 0
        for path in self.paths:
            yield from self._read(path)
            self._bytes_done += self._size(path)
            self._current = None
        if self.skipped_lines:
            log.warning("left out %d undecodable line(s) (--errors skip)", self.skipped_lines)

    def total_bytes(self) -> int | None:
        """Size on disk of all inputs (None when stdin is among them)."""
        if "-" in self.paths and self._stdin_copy is None:
            return None
        return sum(self._size(p) for p in self.paths)

    def _size(self, path: str) -> int:
        if path == "-":
            self._stdin_copy.seek(0, io.SEEK_END)
            return self._stdin_copy.tell()
        return os.path.getsize(path)

    # -- reading one input -------------------------------------------------

    def _open_binary(self, path: str, stack: contextlib.ExitStack) -> IO[bytes]:
        if path == "-":
            if self._stdin_copy is None:
                copy = tempfile.TemporaryFile()
                shutil.copyfileobj(sys.stdin.buffer, copy)
                copy.flush()
                self._stdin_copy = copy
            os.lseek(self._stdin_copy.fileno(), 0, os.SEEK_SET)
            raw: IO[bytes] = open(self._stdin_copy.fileno(), "rb", closefd=False)
        else:
            try:
                raw = open(path, "rb")
            except OSError as e:
                raise InputError(path, os_cause(e)) from None
        stack.enter_context(raw)
        self._current = raw
        f = decompressed(raw)
        return raw if f is raw else stack.enter_context(f)

    def _read(self, path: str) -> Iterator[str]:
        name = "<stdin>" if path == "-" else path
        lineno = 0
        try:
            with contextlib.ExitStack() as stack:
                f = self._open_binary(path, stack)
                head = f.peek(4)[:4]
                encoding = bom_encoding(head) or self.encoding
                if encoding in ("utf-16", "utf-32"):
                    lines = self._lines_wide(f, name, encoding)
                else:
                    lines = self._lines_narrow(f, name, encoding)
                carry = ""
                for lineno, text, ends_line in lines:
                    carry, pieces = self._pieces(carry + text, ends_line)
                    yield from pieces
                if carry:  # the last line had no line end
                    yield carry
        except InputError:
            raise
        except _DECOMPRESS_ERRORS as e:
            raise InputError(name, f"corrupt or truncated compressed data ({os_cause(e)})", lineno + 1) from None

    def _lines_narrow(self, f: IO[bytes], name: str, encoding: str) -> Iterator[tuple[int, str]]:
        """Lines of an ASCII-compatible encoding (UTF-8, GB18030, Big5, ...).

        Lines are split on b'\\n' before decoding, so an error names its line.
        A line longer than the limit arrives in several reads; the incremental
        decoder keeps a multi-byte character cut between two reads whole.
        """
        strict_decoder = codecs.getincrementaldecoder(encoding)("strict")
        replace_decoder = codecs.getincrementaldecoder(encoding)("replace")
        limit = self.max_line_chars * 4
        lineno = 0
        first = True
        dropped = -1  # number of a line being left out (errors='skip')
        while True:
            data = f.readline(limit)
            if not data:
                break
            ends_line = data.endswith(b"\n")
            if first and codecs.lookup(encoding).name == "utf-8":
                data = strip_bom(data)
            first = False
            current = lineno + 1
            if ends_line:
                lineno = current
            if current == dropped:
                continue
            try:
                if b"\x00" in data and self.errors != "replace":
                    raise ValueError("NUL byte: this looks like a binary file, not text")
                decoder = replace_decoder if self.errors == "replace" else strict_decoder
                text = decoder.decode(data, final=ends_line)
            except (UnicodeDecodeError, ValueError) as e:
                if self.errors == "strict":
                    raise InputError(name, _decode_cause(e, encoding), current) from None
                strict_decoder.reset()
                self.skipped_lines += 1
                dropped = current
                continue
            if "\x00" in text:
                text = text.replace("\x00", " ")
            yield current, _strip_eol(text) if ends_line else text, ends_line
        try:
            tail = (replace_decoder if self.errors == "replace" else strict_decoder).decode(b"", final=True)
        except UnicodeDecodeError as e:
            if self.errors == "strict":
                raise InputError(name, _decode_cause(e, encoding), lineno + 1) from None
            tail = ""
        if tail:
            yield lineno + 1, tail, True

    def _lines_wide(self, f: IO[bytes], name: str, encoding: str) -> Iterator[tuple[int, str]]:
        """Lines of a UTF-16/UTF-32 file (byte-order mark present)."""
        errors = "replace" if self.errors == "replace" else "strict"
        text_f = io.TextIOWrapper(f, encoding=encoding, errors=errors, newline="")
        lineno = 0
        while True:
            try:
                line = text_f.readline(self.max_line_chars)
            except UnicodeDecodeError as e:
                if self.errors == "strict":
                    raise InputError(name, _decode_cause(e, encoding), lineno + 1) from None
                self.skipped_lines += 1
                return  # the rest of a wide-encoded stream cannot be resynchronised
            if not line:
                return
            ends = line.endswith(("\n", "\r"))
            if ends:
                lineno += 1
            yield lineno + (0 if ends else 1), _strip_eol(line), ends

    def _pieces(self, text: str, ends_line: bool) -> tuple[str, list[str]]:
        """Cut text longer than the limit between blocks where possible.

        Returns the text to carry into the next read of the same line (when
        the line goes on) and the pieces ready to hand out.
        """
        limit = self.max_line_chars
        pieces = []
        while len(text) > limit:
            cut = limit
            # move the cut back to the start of the block that straddles it; a
            # match at the window's start may begin mid-block: then cut hard at the limit
            lo = max(0, limit - 4096)
            for m in BLOCK_RE.finditer(text, lo, limit + 1):
                if m.end() > limit:
                    cut = m.start() if m.start() > lo else limit
                    break
            pieces.append(text[:cut])
            text = text[cut:]
        if ends_line:
            pieces.append(text)
            text = ""
        return text, pieces


def _strip_eol(text: str) -> str:
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):
        text = text[:-1]
    return text


def _decode_cause(e: Exception, encoding: str) -> str:
    if isinstance(e, UnicodeDecodeError):
        bad = e.object[e.start : e.start + 4]
        return (f"cannot decode as {encoding} (bytes {bad.hex(' ')} at byte {e.start + 1} of the line); "
                f"try --encoding (e.g. gb18030) or --errors replace/skip")
    return str(e)


def _resolve(inputs: list[str]) -> list[str]:
    """Expand directories (recursively, sorted, hidden entries left out) and globs."""
    if not inputs:
        raise NlpZeroError("no input given")
    paths: list[str] = []
    for item in inputs:
        if item == "-":
            paths.append(item)
        elif os.path.isdir(item):
            paths.extend(_walk(item))
        elif os.path.exists(item):
            paths.append(item)
        elif _GLOB_CHARS.search(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise InputError(item, "no file matches this pattern")
            for m in matches:
                paths.extend(_walk(m) if os.path.isdir(m) else [m])
        else:
            raise InputError(item, "no such file or directory")
    if paths.count("-") > 1:
        raise NlpZeroError("standard input (-) can be named only once")
    return paths


def _walk(directory: str) -> list[str]:
    found = []

    def fail(e: OSError) -> None:
        raise InputError(e.filename or directory, os_cause(e))

    for root, dirs, files in os.walk(directory, onerror=fail):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(root, f) for f in sorted(files) if not f.startswith("."))
    if not os.access(directory, os.R_OK | os.X_OK):
        raise InputError(directory, "permission denied")
    return found
