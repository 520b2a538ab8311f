"""The lexicon: words with counts and scores (docs/design.md §7).

A :class:`Lexicon` is what word discovery produces and what the tokenizer
uses: a dict-like map word -> count, with the unigram probability
``p(w) = count(w) / total`` that the minimum-entropy principle is about
(docs/design.md §2), optional per-word scores (cohesion, expected count, ...) and
optional part-of-speech tags kept from jieba dictionaries.

Files
-----
* ``save``/``load``: jieba's dictionary format, one word per line,
  ``word freq`` (or ``word freq tag`` when a tag is known), UTF-8, ``'\\n'``,
  sorted by (-freq, word), so the file loads directly into jieba.  Words
  that stand for a class of numbers or Latin runs are written ``<NUM>年``,
  ``<LAT>股``, in files and in Python alike: the private-use symbols that
  stand for them in the statistics stay inside the package (a word given
  with them is stored readable).  ``load`` reads
  ``word [freq [tag]]`` lines, tolerating a BOM, CRLF line ends, blank lines
  and runs of spaces or tabs between fields; a missing frequency means
  :data:`DEFAULT_COUNT`.  A malformed line raises :class:`FormatError` naming
  the file and the line.  When a word is listed twice the later line wins (as
  in jieba).
* ``save_tsv``: a table with a header line: ``word``, ``count``, ``prob``,
  then every score column in sorted order, floats written with ``%.6g``.

Everything written is byte-identical for the same lexicon, whatever
``PYTHONHASHSEED``: iteration and files follow (-count, word).

>>> lex = Lexicon({'中国': 3, '人民': 2, '<NUM>年': 2})
>>> list(lex), lex.total, lex.prob('中国')
(['中国', '<NUM>年', '人民'], 7, 0.42857142857142855)
>>> list(lex.diff({'中国'})), lex['\\ue000年'] == lex['<NUM>年']
(['<NUM>年', '人民'], True)
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import warnings
from typing import IO, Iterable, Iterator, Mapping, MutableMapping, Sequence

from .corpus import DECOMPRESS_ERRORS as _DECOMPRESS_ERRORS, decompressed
from .errors import FormatError, InputError
from .fileio import atomic_write, os_cause, read_saved, strip_bom, whole_number
from .text import CLASS_SYMBOLS, from_readable, readable

#: Count given to a word whose dictionary line has no frequency.
DEFAULT_COUNT = 1


_SPACE_RE = re.compile(r"\s")


def _check_word(word: object) -> str:
    if not isinstance(word, str) or not word:
        raise ValueError(f"a word must be a non-empty string, got {word!r}")
    if _SPACE_RE.search(word):
        raise ValueError(f"a word cannot contain whitespace (the file format splits on it): {word!r}")
    return word


def _check_count(word: str, count: object) -> int:
    if type(count) is not int:  # anything numeric but bool and text; floats are rounded
        if isinstance(count, (bool, str, bytes)):
            raise TypeError(f"count of {word!r} must be a number, got {count!r}")
        try:
            count = round(float(count))  # the file format holds integers
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"count of {word!r} must be a finite number, got {count!r}") from None
    if count < 0:
        raise ValueError(f"count of {word!r} must be >= 0, got {count!r}")
    return count


def tsv_header(names: list[str]) -> str:
    """The first line of a lexicon TSV with the score columns ``names`` (see :meth:`Lexicon.save_tsv`)."""
    return "\t".join(["word", "count", "prob"] + names) + "\n"


def tsv_row(word: str, count: int, total: int, scores: Mapping[str, float], names: list[str]) -> str:
    """One line of a lexicon TSV: the word, its count, count / ``total``, and its ``scores`` by ``names``."""
    cells = [word, str(count), _fmt(count / total if total else 0.0)]
    cells.extend(_fmt(scores[n]) if n in scores else "" for n in names)
    return "\t".join(cells) + "\n"


def _fmt(x: float) -> str:
    """Deterministic, compact float formatting for TSV files."""
    return format(x, ".6g")


def units(word: str) -> int:
    """The length of a word as the tokenizer sees it: a class symbol (``<NUM>``, ``<LAT>``) is one unit.

    >>> units('<NUM>年'), units('中国')
    (2, 2)
    """
    return len(from_readable(word))


class Lexicon(MutableMapping[str, int]):
    """Word -> count, with probabilities, scores and jieba-format files.

    ``counts`` are non-negative integers (floats, e.g. expected counts from
    EM, are rounded).  ``scores`` maps a word to named floats (any names);
    they are carried along by ``merge``/``diff`` and written by ``save_tsv``.
    A word with count 0 stays listed (jieba reads it as "never a word").
    """

    def __init__(self, counts: Mapping[str, int] | None = None,
                 scores: Mapping[str, Mapping[str, float]] | None = None):
        self._counts: dict[str, int] = {}
        self._total = 0
        self._order: list[str] | None = None
        #: word -> {score name: value}
        self.scores: dict[str, dict[str, float]] = {}
        #: word -> part-of-speech tag read from a jieba dictionary
        self.tags: dict[str, str] = {}
        if counts:
            for word, count in counts.items():
                self[word] = count
        if scores:
            for word, row in scores.items():
                self.scores[readable(_check_word(word))] = {str(k): float(v) for k, v in row.items()}

    # -- mapping ----------------------------------------------------------

    def __getitem__(self, word: str) -> int:
        return self._counts[readable(word)]

    def __setitem__(self, word: str, count: int) -> None:
        count = _check_count(_check_word(word), count)
        word = readable(word)
        self._total += count - self._counts.get(word, 0)
        self._counts[word] = count
        self._order = None

    def __delitem__(self, word: str) -> None:
        word = readable(word)
        self._total -= self._counts.pop(word)
        self.scores.pop(word, None)
        self.tags.pop(word, None)
        self._order = None

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and readable(word) in self._counts

    def __len__(self) -> int:
        return len(self._counts)

    def __iter__(self) -> Iterator[str]:
        """Words by decreasing count, ties by readable word (deterministic)."""
        if self._order is None:
            counts = self._counts
            self._order = sorted(counts, key=lambda w: (-counts[w], w))
        return iter(self._order)

    def get(self, word: str, default=None):
        return self._counts.get(readable(word), default)

    def __repr__(self) -> str:
        return f"<Lexicon: {len(self):,} words, total {self._total:,}>"

    # -- probabilities ----------------------------------------------------

    @property
    def total(self) -> int:
        """Sum of all counts: the N of ``p(w) = n(w) / N``."""
        return self._total

    def prob(self, word: str) -> float:
        """Unigram probability ``n(w) / N`` (0.0 for unknown words or an empty lexicon)."""
        count = self._counts.get(readable(word), 0)
        return count / self._total if count else 0.0

    def counts(self) -> dict[str, int]:
        """A plain dict copy of word -> count (in iteration order)."""
        return {w: self._counts[w] for w in self}

    # -- combining --------------------------------------------------------

    def merge(self, *others: Mapping[str, int]) -> Lexicon:
        """A new lexicon whose counts are the sums (deprecated spelling: use ``a + b``).

        Everywhere else ``merge`` adds in place (docs/design.md §13); this one
        will too in a later version, so it warns now and keeps today's result.
        """
        warnings.warn("Lexicon.merge will add in place in a later version; use a + b (or sum) for a new lexicon",
                      DeprecationWarning, stacklevel=2)
        return self._merged(*others)

    def _merged(self, *others: Mapping[str, int]) -> Lexicon:
        """A new lexicon whose counts are the sums; scores and tags of earlier lexicons win."""
        out = Lexicon()
        counts = dict(self._counts)
        for other in others:
            for word, count in other.items():
                word = readable(word)
                counts[word] = counts.get(word, 0) + count
        for word, count in counts.items():
            out[word] = count
        for lex in reversed((self,) + others):
            if isinstance(lex, Lexicon):
                out.scores.update(lex.scores)
                out.tags.update(lex.tags)
        return out

    def __add__(self, other: Mapping[str, int]) -> Lexicon:
        if not isinstance(other, Mapping):
            return NotImplemented
        return self._merged(other)

    def diff(self, reference: Iterable[str]) -> Lexicon:
        """The words of this lexicon that ``reference`` lacks (new words only), with their data.

        ``reference`` is another lexicon, a mapping, a set or any iterable of
        words (``<NUM>年`` and the internal form of it are the same word).
        """
        ref = reference if isinstance(reference, Lexicon) else set(map(readable, reference))
        return self._subset(word for word in self if word not in ref)

    def _subset(self, words: Iterable[str], counts: Mapping[str, int] | None = None) -> Lexicon:
        """A new lexicon of ``words`` with their scores and tags (and ``counts`` when given)."""
        out = Lexicon()
        for word in words:
            out[word] = self._counts[word] if counts is None else counts[word]
            if word in self.scores:
                out.scores[word] = dict(self.scores[word])
            if word in self.tags:
                out.tags[word] = self.tags[word]
        return out

    def filter(self, min_count: int | None = None, min_score: float | None = None, score: str = "score",
               min_len: int | None = None, max_len: int | None = None) -> Lexicon:
        """The words that pass every bound given, with their data (a new lexicon).

        Lengths are in units, as the tokenizer sees them: a class symbol
        (``<NUM>``) is one.  ``min_score`` compares the score named ``score``
        (a column of the TSV written by ``discover``: ``score``, ``cohesion``,
        ``nvbe``, ``pmi``); a word without that score fails it.

        >>> lex = Lexicon({'中国': 5, '人民': 2, '的': 9, '<NUM>年': 4}, scores={'中国': {'score': 3.0}})
        >>> list(lex.filter(min_count=3)), list(lex.filter(max_len=1)), list(lex.filter(min_score=2))
        (['的', '中国', '<NUM>年'], ['的'], ['中国'])
        """
        def keep(word: str) -> bool:
            if min_count is not None and self._counts[word] < min_count:
                return False
            if min_len is not None and units(word) < min_len:
                return False
            if max_len is not None and units(word) > max_len:
                return False
            if min_score is not None:
                value = self.scores.get(word, {}).get(score)
                if value is None or value < min_score:
                    return False
            return True

        return self._subset(filter(keep, self))

    def rescale(self, total: int) -> Lexicon:
        """The same words with counts scaled so that they sum to about ``total`` (a new lexicon).

        ``n'(w) = round(n(w) · total / N)``, and at least 1 for a word counted
        at least once, so every probability ``p(w)`` stays what it was while
        the counts take the scale of another dictionary: a learned list then
        adds to jieba's dictionary (or any other) without distorting it.
        Scale the whole learned lexicon, then take the new words with
        :meth:`diff` (the scale comes from this lexicon's total N).

        >>> dict(Lexicon({'中国': 3, '人民': 1}).rescale(1000))
        {'中国': 750, '人民': 250}
        """
        n = self._total
        if n <= 0:
            return self._subset(self)
        # round half up in integers: exact whatever the sizes
        scaled = {w: max((2 * c * total + n) // (2 * n), 1) if c > 0 else 0 for w, c in self._counts.items()}
        return self._subset(self, scaled)

    # -- files ------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Write jieba's format ``word freq [tag]``, sorted by (-freq, word), atomically."""
        tags = self.tags
        counts = self._counts
        with atomic_write(os.fspath(path)) as f:
            for word in self:
                tag = tags.get(word)
                if tag:
                    f.write(f"{word} {counts[word]} {tag}\n")
                else:
                    f.write(f"{word} {counts[word]}\n")

    def save_tsv(self, path: str | os.PathLike) -> None:
        """Write a TSV: ``word count prob`` and every score column (sorted names), atomically."""
        names = sorted({name for row in self.scores.values() for name in row})
        total = self._total
        with atomic_write(os.fspath(path)) as f:
            f.write(tsv_header(names))
            for word in self:
                f.write(tsv_row(word, self._counts[word], total, self.scores.get(word, {}), names))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Lexicon:
        """Read a jieba-format dictionary (``word [freq [tag]]`` per line).

        Tolerates a UTF-8 BOM, CRLF, blank lines, tabs or several spaces
        between fields; a missing freq is :data:`DEFAULT_COUNT`; a repeated
        word takes its later line (jieba does too, but also adds both counts
        to its total).  A malformed line raises
        :class:`FormatError` (``path:line: cause``); a missing or unreadable
        file raises :class:`InputError`.
        """
        counts, tags = read_counts(path, with_tags=True, names=True)
        lex = cls()
        lex._counts = counts
        lex._total = sum(counts.values())
        lex.tags = tags
        return lex

    @classmethod
    def load_tsv(cls, path: str | os.PathLike) -> Lexicon:
        """Read a TSV written by :meth:`save_tsv` (counts and scores; ``prob`` is recomputed)."""
        name = os.fspath(path)
        lex = cls()
        header: list[str] = []
        for lineno, line in read_saved(name):
            cells = line.split("\t")
            if lineno == 1:
                header = cells
                if header[:3] != ["word", "count", "prob"]:
                    raise FormatError(name, "header must start with word, count, prob", 1)
                continue
            if cells == [""]:
                continue
            if len(cells) != len(header):
                raise FormatError(name, f"expected {len(header)} columns, got {len(cells)}", lineno)
            word, count = readable(cells[0]), whole_number(cells[1])
            if not word or count is None:
                raise FormatError(name, f"bad word or count {cells[:2]!r}", lineno)
            try:
                lex[word] = count
            except ValueError as e:  # e.g. a word with whitespace in it
                raise FormatError(name, str(e), lineno) from None
            row = {}
            for n, v in zip(header[3:], cells[3:]):
                if v:
                    try:
                        row[n] = float(v)
                    except ValueError:
                        raise FormatError(name, f"score {n}={v!r} is not a number", lineno) from None
            if row:
                lex.scores[word] = row
        if not header:
            raise FormatError(name, "empty file (expected a header line)")
        return lex


def read_dictionary(source: str | os.PathLike | IO) -> Iterator[tuple[str, int | None, str | None]]:
    """Parse jieba-format lines into ``(word, freq or None, tag or None)``.

    ``source`` is a path or an open file (text or binary).  Fields are
    separated by whitespace; a missing freq gives ``None`` (the caller picks
    the default); class symbols written ``<NUM>``/``<LAT>`` are read back.
    Raises :class:`FormatError` naming the line for more than three fields,
    a frequency that is not a non-negative integer, or bytes that are not
    UTF-8.
    """
    with _dictionary_lines(source) as (lines, name):
        yield from _parse_dictionary(lines, name)


def _parse_dictionary(lines: Iterable, name: str, first_line: int = 1) -> Iterator[tuple[str, int | None, str | None]]:
    for lineno, raw in enumerate(lines, first_line):
        line = _decoded(raw, name, lineno)
        if lineno == 1:
            line = strip_bom(line)
        parts = line.split()
        if not parts:
            continue
        n = len(parts)
        if n > 3:
            raise FormatError(name, f"expected 'word [freq [tag]]', got {n} fields", lineno)
        word = from_readable(parts[0]) if "<" in parts[0] else parts[0]
        if n == 1:
            yield word, None, None
            continue
        freq = parts[1]
        if not (freq.isascii() and freq.isdigit()):
            raise FormatError(name, f"frequency {freq!r} of {parts[0]!r} is not a non-negative integer", lineno)
        yield word, int(freq), parts[2] if n == 3 else None


# jieba's rule for a user-dictionary line (jieba 0.42.1, ``load_userdict``):
# the word is everything before an optional " freq" (ASCII digits) and an
# optional " tag" (ASCII lower-case letters), each after one space, so a word
# may contain spaces ("New York 10") and a tag may come without a freq.
_USER_LINE_RE = re.compile(r"(.+?)(?: ([0-9]+))?(?: ([a-z]+))?", re.DOTALL)
# What jieba strips from both ends of a line (bytes.strip: ASCII whitespace).
_ASCII_SPACE = " \t\n\r\x0b\x0c"


def read_userdict(source: str | os.PathLike | IO) -> Iterator[tuple[str, int | None, str | None]]:
    """Parse a jieba user dictionary into ``(word, freq or None, tag or None)``.

    Every line jieba accepts is accepted, read as jieba reads it: ASCII
    whitespace stripped from both ends, a BOM dropped, blank lines skipped,
    then ``word [freq] [tag]`` where the word may contain spaces, the freq is
    ASCII digits and the tag ASCII lower-case letters (``凱特琳 nz`` is a word
    with a tag and no freq; ``Edu Trust认证 2000`` a word with a space).
    ``<NUM>``/``<LAT>`` are read back as class symbols.  ``source`` is a path
    (``.gz/.bz2/.xz`` read transparently) or an open file; bytes that are not
    UTF-8 raise :class:`FormatError` naming the line.
    """
    with _dictionary_lines(source) as (lines, name):
        for lineno, raw in enumerate(lines, 1):
            line = _decoded(raw, name, lineno).strip(_ASCII_SPACE).lstrip("\ufeff")
            if not line:
                continue
            word, freq, tag = _USER_LINE_RE.fullmatch(line).groups()
            if "<" in word:
                word = from_readable(word)
            yield word, None if freq is None else int(freq), tag


def _decoded(raw: bytes | str, name: str, lineno: int) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatError(name, f"not UTF-8 ({e.reason} at byte {e.start})", lineno) from None


@contextlib.contextmanager
def _dictionary_lines(source: str | os.PathLike | IO) -> Iterator[tuple[Iterable, str]]:
    """The lines of a dictionary (a path, decompressed like a corpus, or an open file) and its name.

    A file that is not a dictionary but another file of this package (counts,
    learner state, templates) is named for what it is.
    """
    if not isinstance(source, (str, os.PathLike)):
        yield source, str(getattr(source, "name", "<dictionary>"))
        return
    name = os.fspath(source)
    try:
        raw = open(name, "rb")
    except OSError as e:
        raise InputError(name, os_cause(e)) from None
    with raw:
        f = decompressed(raw)
        try:
            _check_kind(f.peek(64) if hasattr(f, "peek") else b"", name)
            yield f, name
        except _DECOMPRESS_ERRORS as e:
            raise FormatError(name, f"cannot decompress ({os_cause(e)})") from None


# First bytes of the other files this package writes, and what they are.
_OTHER_KINDS = (
    (b"#nlp-zero counts", "an nlp-zero counts file (from 'nlp-zero count')"),
    (b"#nlp-zero wordfinder", "an nlp-zero learner state (from 'discover --save-state')"),
    (b"# nlp-zero templates", "an nlp-zero templates file (from 'nlp-zero templates')"),
    (b"word\tcount\tprob", "a lexicon TSV (from 'discover'; the dictionary is PREFIX.dict.txt)"),
)


def _check_kind(head: bytes, name: str) -> None:
    head = head.removeprefix(b"\xef\xbb\xbf")
    for magic, kind in _OTHER_KINDS:
        if head.startswith(magic):
            raise FormatError(name, f"this is {kind}, not a dictionary")


_CHUNK_BYTES = 1 << 17  # small chunks keep the peak memory of a load low


def _columns(text: str) -> list[Sequence[str]] | None:
    """The columns of a chunk of lines that all have two fields or all three (blank lines skipped); else None."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    fields = text.split()
    if " ".join(lines) == " ".join(fields):  # fields separated by single spaces: one space fewer than fields
        spaces = set(map(str.count, lines, itertools.repeat(" ")))
        width = spaces.pop() + 1 if len(spaces) == 1 else 0
        return [fields[k::width] for k in range(width)] if width in (2, 3) else None
    rows = list(filter(None, map(str.split, lines)))  # blank lines skipped
    widths = set(map(len, rows))
    return list(zip(*rows)) if widths == {2} or widths == {3} else None


def read_counts(path: str | os.PathLike, with_tags: bool = False, names: bool = False
                ) -> tuple[dict[str, int], dict[str, str]]:
    """Read a jieba-format dictionary into ``(counts, tags)`` quickly.

    Same rules as :func:`read_dictionary` (a missing freq is
    :data:`DEFAULT_COUNT`; a later line wins); ``names``: words keep
    ``<NUM>``/``<LAT>`` as written (a literal class symbol is written so too),
    else they become class symbols.  Lines are parsed in chunks
    of ~128 kB with C-level splits; a chunk with anything unusual (lines of
    mixed widths, a missing freq, a bad line, bytes that are not UTF-8) goes
    through the line-by-line parser, which also names an offending line.
    """
    name = os.fspath(path)
    counts: dict[str, int] = {}
    tags: dict[str, str] = {}
    same_tag: dict[str, str] = {}
    first_line = 1
    with _dictionary_lines(name) as (f, name):
        while True:
            chunk = f.readlines(_CHUNK_BYTES)
            if not chunk:
                break
            columns = None
            try:
                text = b"".join(chunk).decode("utf-8")
            except UnicodeDecodeError:
                text = None
            if text is not None:
                if first_line == 1:
                    text = strip_bom(text)
                columns = _columns(text)
            if columns is not None:
                words, freqs = columns[0], columns[1]
                digits = "".join(freqs)
                if not (digits.isascii() and digits.isdigit()):
                    columns = None
            if columns is not None:
                if names:
                    if CLASS_SYMBOLS[0] in text or CLASS_SYMBOLS[1] in text:
                        words = list(map(readable, words))
                elif "<" in text:
                    words = [from_readable(w) if "<" in w else w for w in words]
                counts.update(zip(words, map(int, freqs)))
                if with_tags:
                    if len(columns) == 3:  # one string object per distinct tag
                        for t in set(columns[2]):
                            same_tag.setdefault(t, t)
                        tags.update(zip(words, map(same_tag.__getitem__, columns[2])))
                    else:
                        tags.update(dict.fromkeys(words, ""))
            else:  # the slow path: defaults and exact error lines
                for word, freq, tag in _parse_dictionary(chunk, name, first_line):
                    word = readable(word) if names else word
                    counts[word] = DEFAULT_COUNT if freq is None else freq
                    if with_tags:
                        tags[word] = tag or ""
            first_line += len(chunk)
    if with_tags:
        tags = {w: t for w, t in tags.items() if t}
    return counts, tags


def load_lexicon(path: str | os.PathLike) -> Lexicon:
    """A lexicon file of either format: a TSV by :meth:`Lexicon.save_tsv` (``.tsv``), else jieba's."""
    return Lexicon.load_tsv(path) if os.fspath(path).endswith(".tsv") else Lexicon.load(path)


def save_lexicon(lexicon: Lexicon, path: str | os.PathLike) -> None:
    """Write ``lexicon`` atomically in the format the name asks for: ``.tsv`` (all scores), else jieba's."""
    if os.fspath(path).endswith(".tsv"):
        lexicon.save_tsv(path)
    else:
        lexicon.save(path)
