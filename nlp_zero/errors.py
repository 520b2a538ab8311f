"""The package's own error types.

Every failure caused by a user's input -- a missing file, undecodable text, a
malformed saved file -- raises a subclass of :class:`NlpZeroError` whose
message is one line naming the file, the line (where it applies) and the
cause.  The CLI prints that line and exits with status 2; it never shows a
traceback for these.
"""

from __future__ import annotations


class NlpZeroError(Exception):
    """Base class of the errors this package raises for bad input or usage."""


class InputError(NlpZeroError):
    """A problem with an input file: ``path:line: cause``."""

    def __init__(self, path: str, cause: str, line: int | None = None):
        self.path = path
        self.line = line
        self.cause = cause
        where = path if line is None else f"{path}:{line}"
        super().__init__(f"{where}: {cause}")


class FormatError(InputError):
    """A saved file (counts, lexicon, templates) that does not parse."""


class OutputError(NlpZeroError):
    """An output that cannot be written (no such directory, a directory, disk full): ``path: cause``."""

    def __init__(self, path: str, cause: str):
        self.path = path
        self.cause = cause
        super().__init__(f"{path}: {cause}")
