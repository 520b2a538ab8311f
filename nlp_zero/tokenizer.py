"""Segmenting text with a lexicon: unigram Viterbi (docs/design.md §2, §8).

The best segmentation of a block minimises the code length
``-Σ ln p(w_k)`` with ``p(w) = n(w) / N`` (docs/design.md §2, last formula).
Each word costs ``ln N - ln n(w)``; a unit the lexicon does not know (a Han
character, or an alphanumeric run) costs as much as a word seen once,
``ln N`` -- the add-one floor jieba also uses, so that with the same
dictionary both pick the same route.

How text is read (as everywhere in the package, see :mod:`nlp_zero.text`):
blocks -- maximal runs of Han characters and alphanumeric runs -- are
segmented; whitespace runs and every other character (punctuation, symbols,
controls, emoji) are tokens of their own.  Inside a block the lattice runs
over the *symbol form*, where each alphanumeric run is one class symbol, so a
lexicon word ``<NUM>年`` matches ``1998年`` and ``１９９８年``, and ``iPhone8``
or ``6888`` are never cut.  Tokens are always the original characters, and
``''.join(tok.lcut(s)) == s`` for every string.

The search is right-to-left dynamic programming with back-pointers over the
lattice of lexicon words (a prefix index stops the scan of a position as soon
as no word can continue), so time is linear in the text times the longest
word; ties go to the longer first word, exactly as jieba's ``calc``.
Repeated blocks are common (headings, formulae of law and news), so the
segmentation of short blocks is cached (bounded, see ``Tokenizer._block``).

Differences from jieba 0.42.1 with ``HMM=False`` on the same dictionary:

* jieba lets a single character be a token only when it is in the dictionary
  or no dictionary word starts there; here a single unit is always an option
  (at the unknown cost), so some lattice always exists.
* jieba's Han class stops at U+9FD5 and leaves out Extension A and 〇; here
  all CJK ideograph blocks and 〇 are Han (docs/design.md §3).
* Alphanumeric runs are one unit here (with decimals and a trailing ``%``);
  jieba segments letters and digits with the dictionary and glues leftover
  single letters/digits back together.  Full-width digits are digits here.
  A dictionary word with letters or digits is matched by class: ``A股``
  (key ``<LAT>股``) also matches ``Ｂ股``.
* Whitespace runs are one token here; jieba emits each whitespace character
  (but ``\\r\\n``) alone.
* A word with ``+ # & . _ % -`` (``C++``, ``Wi-Fi``) comes out whole, as in
  jieba, where the text holds exactly it at unit boundaries (see
  :data:`SYMBOLS`); a word with spaces (``New York``) too, which jieba loads
  but can never give (its blocks hold no space).

jieba's user dictionaries, modes (``cut_all``, ``cut_for_search``,
``tokenize(mode="search")``) and ``suggest_freq`` follow its definitions;
``tests/test_userdict.py`` compares them with jieba itself.

>>> tok = Tokenizer({'售价': 10, '元': 5, '<NUM>元': 3})
>>> tok.lcut('iPhone8售价6888元')
['iPhone8', '售价', '6888元']
>>> list(tok.tokenize('售价，1998年'))
[('售价', 0, 2), ('，', 2, 3), ('1998', 3, 7), ('年', 7, 8)]
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import gc
import itertools
import json
import math
import operator
import os
import re
import sys
import threading
from operator import itemgetter
from typing import IO, Callable, Iterable, Iterator, Mapping, NamedTuple, TypeVar

from .errors import FormatError, NlpZeroError
from .lexicon import Lexicon, read_counts, read_userdict
from .text import (ALNUM_RE, BLOCK_RE, CLASS_SYMBOLS, DIGIT, HAN_CLASS, LETTER, OTHER_TOKEN, from_readable,
                   symbolize, unit_spans)

_INF = float("inf")
_NONE: dict[str, tuple] = {}  # what follows a unit that starts no longer word (never changed)
T = TypeVar("T")

# One scan of the text yields, in order: a block of Han only (group 1), a block
# with alphanumeric runs (group 2), a whitespace run (3) or any other single
# character (4; …… and —— stay whole).  The look-ahead makes group 1 take only whole blocks.
_PIECE_RE = re.compile(
    f"([{HAN_CLASS}]+)(?![{HAN_CLASS}{DIGIT}{LETTER}])"
    f"|({BLOCK_RE.pattern})"
    f"|(\\s+)|({OTHER_TOKEN})",
    re.DOTALL,
)

# The pure Han blocks of _PIECE_RE (group 1) for re.split: a Han run that no
# alphanumeric run touches on either side (nor a per-cent sign, which may end one).
_HAN_ONLY_RE = re.compile(f"[{HAN_CLASS}]+")
_HAN_SPLIT_RE = re.compile(f"(?<![{HAN_CLASS}{DIGIT}{LETTER}%\uff05])([{HAN_CLASS}]+)(?![{HAN_CLASS}{DIGIT}{LETTER}])")

#: Blocks up to this many characters have their segmentation cached ...
CACHE_MAX_CHARS = 32
#: ... in two generations of at most this many blocks each (see Tokenizer._block).
CACHE_GENERATION = 25_000


def _key(word: str) -> str:
    """The symbol form under which a lexicon word is looked up (``<NUM>年`` -> NUM+年)."""
    if "<" in word:
        word = from_readable(word)
    return symbolize(word) if ALNUM_RE.search(word) else word


# A line (of words joined by newlines) that holds a digit or a Latin letter.
_ALNUM_LINE_RE = re.compile(f"^.*[{DIGIT}{LETTER}].*$", re.MULTILINE)


def _symbol_counts(counts: Mapping[str, int], trusted: bool = False, owned: bool = False
                   ) -> tuple[dict[str, int], set[str]]:
    """``counts`` keyed by symbol form (:func:`_key`), summed where keys meet, and its words with symbols.

    ``trusted``: the values are already non-negative ints (a Lexicon's);
    ``owned``: ``counts`` is a dict nobody else holds, changed in place.
    The words with symbols are those :data:`SYMBOLS` makes match literally.
    """
    if owned:
        freq = counts
    elif trusted:
        freq = dict(counts)
    else:
        words = list(counts)
        values = list(map(round, counts.values()))  # expected counts are rounded, as in Lexicon
        if values and min(values) < 0:
            bad = next(w for w, c in zip(words, values) if c < 0)
            raise ValueError(f"count of {bad!r} must be >= 0, got {counts[bad]!r}")
        freq = dict(zip(words, values))
    # Only words with a digit, a letter or a symbol matter here; one regex scan each finds them.
    joined = "\n".join(freq)
    symbol_words = {w for w in _SYMBOL_LINE_RE.findall(joined) if w in freq and _is_symbol_word(w)}
    for w in sorted(set(_ALNUM_LINE_RE.findall(joined))):
        if w in freq:
            key = _key(w)
            if key != w:
                c = freq.pop(w)
                freq[key] = freq.get(key, 0) + c
    return freq, symbol_words


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside (it would rescan a growing index again and again)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _runs(items: list[str]) -> Iterator[tuple[str, int, int]]:
    """``(u, lo, hi)`` for each run ``items[lo:hi]`` of the strings that start with ``u`` (``items`` sorted)."""
    lo, n = 0, len(items)
    while lo < n:
        u = items[lo][0]
        hi = bisect.bisect_left(items, chr(ord(u) + 1), lo) if u < "\U0010ffff" else n
        yield u, lo, hi
        lo = hi


def _group(parents: list[str], children: Iterable[str], values: Iterable) -> dict[str, dict]:
    """``{parent: {child: value}}``, ``parents`` sorted so that equal ones are adjacent.

    ``children`` and ``values`` run parallel to ``parents``.  All at C level:
    one dict per run of equal parents.
    """
    starts = list(itertools.compress(itertools.count(), map(operator.ne, parents, itertools.chain([None], parents))))
    runs = list(map(slice, starts, starts[1:] + [len(parents)]))
    children, values = list(children), list(values)
    return dict(zip(map(parents.__getitem__, starts),
                    map(dict, map(zip, map(children.__getitem__, runs), map(values.__getitem__, runs)))))


def _index(freq: dict[str, int], cost_of: dict, unit_cost_of: dict) -> dict[str, tuple]:
    """The index the scan walks: ``first[u] = (cost of u, second)``.

    It is keyed by units, so that the scan looks up the characters it already
    holds instead of slicing the text: ``second[v] = (cost of uv, rest)``,
    and ``rest`` maps a third unit ``w`` to the cost of ``uvw`` and each
    whole key of four units or more (starting with ``uv``) to its cost; where
    nothing continues, ``second`` is empty and ``rest`` None.  A prefix that
    is not a word costs inf (the scan goes on past it); a single unit always
    has a finite cost (its own, or the unknown cost), because a unit alone is
    always an option.  ``cost_of`` maps a count (None: no word) to its cost.

    Loading makes the first level and sorts, once, the pairs and the keys of
    three units or more with their prefixes; the ``second`` of a unit is
    built from its runs of them the first time a text holds the unit (see
    :class:`_Unbuilt`, and :meth:`Tokenizer.initialize` for all at once):
    a hundred thousand small dicts that a short text never needs.  Loading
    jieba's dictionary and building it all costs about what building it
    all at load did (``benchmarks/cut_vs_jieba.py``, figure d).
    """
    # Keys with a newline can never match a block ("\n" is the scan's sentinel).
    keys = list(freq)
    if "\n" in "".join(keys):
        keys = [w for w in keys if "\n" not in w]
    keys.sort(key=len)
    start = functools.partial(bisect.bisect_left, list(map(len, keys)))  # of the keys of n units or more
    longest = len(keys[-1]) if keys else 0
    # The keys of three units or more and their prefixes, sorted (duplicate prefixes do no harm) ...
    tail = keys[start(3):]
    for n in range(3, longest):
        tail.extend(map(itemgetter(slice(0, n)), keys[start(n + 1):]))
    tail.sort()
    # ... and the pairs: keys of two units and the first two units of longer keys.
    pairs = list(dict.fromkeys(map(itemgetter(slice(0, 2)), keys[start(3):])))
    pairs += keys[start(2):start(3)]
    pairs.sort()
    first: dict[str, tuple] = {}
    index = _Sorted(first, tail, pairs, freq.get, cost_of)
    tails = {u: (lo, hi) for u, lo, hi in _runs(tail)}
    unbuilt = {u: _Unbuilt(index, u, lo, hi, *tails.get(u, (0, 0))) for u, lo, hi in _runs(pairs)}
    units = list(unbuilt)
    units += keys[:start(2)]
    count = freq.get
    first.update(zip(units, zip(map(unit_cost_of.__getitem__, map(count, units)),
                                map(unbuilt.get, units, itertools.repeat(_NONE)))))
    return first


class _Costs(dict):
    """Count -> cost at the N of the last build; a count first seen later (add_word) is computed then."""

    def __init__(self, logtotal: float):
        super().__init__()
        self.logtotal = logtotal

    def __missing__(self, count: int) -> float:
        return _cost(count, self.logtotal)


def _cost(count: int, logtotal: float) -> float:
    """A word's cost ``ln N - ln n(w)`` (as jieba's ``log(freq) - log(total)``, negated exactly); inf for 0."""
    return -(math.log(count) - logtotal) if count > 0 else _INF


class _Sorted(NamedTuple):
    """What :class:`_Unbuilt` builds from: the first level and the sorted keys (see :func:`_index`)."""
    first: dict
    tail: list
    pairs: list
    count: Callable
    cost_of: dict


class _Unbuilt:
    """The ``second`` of one unit before its first use: ``get`` builds it, puts it in place and looks up.

    Built from the unit's runs of the sorted pairs and tail, all at C level:
    the keys of three units or more grouped by their first two units
    (see :func:`_group`), the pairs by their second unit.  Two threads may
    build the same unit at once; both build the same thing.
    """

    __slots__ = ("index", "unit", "pairs", "tail")

    def __init__(self, index: _Sorted, unit: str, lo: int, hi: int, tail_lo: int, tail_hi: int):
        self.index, self.unit = index, unit
        self.pairs, self.tail = (lo, hi), (tail_lo, tail_hi)

    def build(self) -> dict[str, tuple]:
        index = self.index
        count, cost_of = index.count, index.cost_of
        with _gc_paused():
            tail = index.tail[slice(*self.tail)]
            # rest[w] for the third unit, rest[key] for longer keys; one object
            # per distinct unit (sys.intern), as many keys share it.
            thirds = map(sys.intern, map(itemgetter(2), tail))
            rest_keys = map(operator.getitem, zip(tail, thirds), map(operator.eq, map(len, tail), itertools.repeat(3)))
            rests = _group(list(map(itemgetter(slice(0, 2)), tail)), rest_keys,
                           map(cost_of.__getitem__, map(count, tail)))
            pairs = index.pairs[slice(*self.pairs)]
            second = dict(zip(map(sys.intern, map(itemgetter(1), pairs)),
                              zip(map(cost_of.__getitem__, map(count, pairs)), map(rests.get, pairs))))
        first = index.first
        entry = first.get(self.unit)
        if entry is not None and entry[1] is self:
            first[self.unit] = (entry[0], second)
        return second

    def get(self, unit: str, default=None):
        return self.build().get(unit, default)


# Characters that jieba keeps inside a block besides Han, letters and digits
# (its re_han_default: + # & . _ % -), and the space.  A dictionary word with
# any of them (C++, Wi-Fi, AT&T, New York) is matched literally: where the
# text holds exactly that word, the blocks around it and the word form one
# region that is segmented as a block.  Other words with such characters
# (say 卡尔·马克思) can never match, as in jieba.
SYMBOLS = "+#&._%- "
_SYMBOL_KEY_RE = re.compile(f"[^{HAN_CLASS}{CLASS_SYMBOLS}]")  # in a key: a character that no block holds
_ONLY_SYMBOLS_RE = re.compile(f"[{HAN_CLASS}{CLASS_SYMBOLS}{re.escape(SYMBOLS)}]+")
# A line (of words joined by newlines) that holds one of the symbols.
_SYMBOL_LINE_RE = re.compile(f"^.*[{re.escape(SYMBOLS)}].*$", re.MULTILINE)
_ALNUM_CHAR_RE = re.compile(f"[{DIGIT}{LETTER}]")
_BLOCK_CHAR_RE = re.compile(f"[{HAN_CLASS}{DIGIT}{LETTER}]")


def _is_symbol_word(word: str) -> bool:
    key = _key(word)
    return _SYMBOL_KEY_RE.search(key) is not None and _ONLY_SYMBOLS_RE.fullmatch(key) is not None


def _symbol_regex(words: Iterable[str]) -> re.Pattern | None:
    """One regex for the literal words (longest first, so that C++11 wins over C++), or None."""
    words = sorted(set(words), key=lambda w: (-len(w), w))
    return re.compile("|".join(map(re.escape, words))) if words else None


class Tokenizer:
    """Unigram Viterbi segmentation over a lexicon (jieba-compatible surface).

    ``lexicon`` is a :class:`Lexicon`, any mapping word -> count (as
    nlp-zero 0.1.6 took), the path of a jieba-format dictionary
    (``.gz/.bz2/.xz`` read transparently), or None for an empty one.
    ``user_dicts`` are jieba user dictionaries added on top, in order, as
    :meth:`load_userdict` adds them.  The tokenizer copies what it needs, so
    instances are independent: ``add_word``/``del_word`` change only this
    instance.  Reads (``cut``, ``lcut``, ``tokenize``) are safe from several
    threads; do not change the dictionary while other threads read.
    """

    def __init__(self, lexicon: Lexicon | Mapping[str, int] | str | os.PathLike | None = None,
                 user_dicts: Iterable[str | os.PathLike | IO | Mapping[str, int]] = ()):
        # n(w) per symbol-form key; words that share a key (e.g. 3D and 4K)
        # share its count.
        if lexicon is None:
            counts: Mapping[str, int] = {}
        elif isinstance(lexicon, (str, os.PathLike)):
            counts = read_counts(lexicon)[0]
            if not any(counts.values()):
                raise FormatError(os.fspath(lexicon), "no words in this dictionary (an empty file?)")
        elif isinstance(lexicon, Lexicon):
            counts = lexicon._counts
        else:
            counts = lexicon
        self._freq, self._symbol_words = _symbol_counts(counts, trusted=isinstance(lexicon, (str, os.PathLike, Lexicon)),
                                                        owned=isinstance(lexicon, (str, os.PathLike)))
        self._total = sum(self._freq.values())
        self._lock = threading.Lock()
        self._build()
        for source in user_dicts:
            self.load_userdict(source)

    # -- the model ---------------------------------------------------------

    def _build(self) -> None:
        """Word costs ``ln N - ln n(w)`` and the index the scan walks (see :func:`_index`)."""
        self._built_total = self._total
        self._logtotal = math.log(self._total) if self._total > 0 else 0.0
        self._unknown = self._logtotal  # ln N - ln 1: the add-one floor
        # cost = -(ln n - ln N): the same float jieba adds, negated exactly;
        # computed once per distinct count (counts repeat a lot).  A key that
        # is no word (a prefix, or a deleted word: count 0) costs inf, a unit
        # that is no word the unknown cost.
        cost_of = _Costs(self._logtotal)
        cost_of.update((c, self._cost(c)) for c in set(self._freq.values()) if c > 0)
        cost_of[0] = cost_of[None] = _INF
        self._longest = max(map(len, self._freq), default=1)
        self._first = _index(self._freq, cost_of, {**cost_of, 0: self._unknown, None: self._unknown})
        self._symbol_re = _symbol_regex([w for w in self._symbol_words if self._freq.get(_key(w), 0) > 0])
        self._forget()

    def _cost(self, count: int) -> float:
        return _cost(count, self._logtotal)

    def _forget(self) -> None:
        """Empty the block cache (after any change to the dictionary)."""
        self._cache: dict[str, tuple[str, ...]] = {}
        self._old_cache: dict[str, tuple[str, ...]] = {}

    def _refresh(self) -> None:
        """Rebuild when N changed since the index was built (its costs are ``ln N - ln n``)."""
        with self._lock:
            if self._built_total != self._total:
                self._build()

    def initialize(self) -> None:
        """Build the whole index now (jieba's name for making a tokenizer ready).

        Loading builds the first level of the index; the rest of a unit's is
        built the first time a text holds it (see :func:`_index`), so that a
        short text is cut soon after loading.  Before a long text, building
        it all at once costs less (``benchmarks/cut_vs_jieba.py``); ``nlp-zero
        cut`` does so unless it answers a terminal line by line.
        """
        if self._built_total != self._total:
            self._refresh()
        for _, second in list(self._first.values()):
            if type(second) is _Unbuilt:
                second.build()

    def _insert(self, key: str, count: int) -> None:
        """Put ``key`` into the index at its current cost (N of the last build), without a rebuild."""
        if not key or "\n" in key:
            return
        self._longest = max(self._longest, len(key))
        first = self._first
        unit_cost, second = first.get(key[0], (self._unknown, _NONE))
        if len(key) == 1:
            first[key] = (self._cost(count) if count > 0 else self._unknown, second)
            return
        if type(second) is _Unbuilt:
            second = second.build()
        elif second is _NONE:
            second = {}
        first[key[0]] = (unit_cost, second)
        cost, rest = second.get(key[1], (_INF, None))
        if len(key) == 2:
            second[key[1]] = (self._cost(count), rest)
            return
        if rest is None:
            rest = {}
        second[key[1]] = (cost, rest)
        for n in range(3, len(key)):  # the prefixes the scan walks through
            rest.setdefault(key[2] if n == 3 else key[:n], _INF)
        rest[key[2] if len(key) == 3 else key] = self._cost(count)

    @property
    def total(self) -> int:
        """N: the sum of all counts."""
        return self._total

    def __len__(self) -> int:
        """Number of words with a count above zero."""
        return sum(1 for f in self._freq.values() if f > 0)

    def __contains__(self, word: str) -> bool:
        return self._freq.get(_key(word), 0) > 0

    def freq(self, word: str) -> int:
        """n(w) (0 for unknown words); alphanumeric runs are looked up by class."""
        return self._freq.get(_key(word), 0)

    # -- changing the dictionary (jieba's API) -----------------------------

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """Add ``word`` (or set its count); ``freq=None`` picks a count that keeps it whole.

        As in jieba, the default is :meth:`suggest_freq`, and a word may hold
        spaces and the symbols ``+ # & . _ % -`` (``C++``, ``Wi-Fi``, ``New
        York``): such a word is matched literally where the text has exactly
        it.  ``tag`` is accepted for jieba compatibility and ignored.  The
        total N changes by the difference in count.
        """
        if not isinstance(word, str) or not word:
            raise ValueError(f"a word must be a non-empty string, got {word!r}")
        if freq is None:
            freq = self.suggest_freq(word)
        freq = int(freq)
        if freq < 0:
            raise ValueError(f"count of {word!r} must be >= 0, got {freq}")
        with self._lock:
            key = _key(word)
            self._total += freq - self._freq.get(key, 0)
            self._freq[key] = freq
            self._insert(key, freq)
            if _is_symbol_word(word) and word not in self._symbol_words:
                self._symbol_words.add(word)
                self._built_total = None  # (N may not have changed: the next cut rebuilds all the same)
            self._forget()

    def del_word(self, word: str) -> None:
        """Never produce ``word`` as one token (its count becomes 0, as in jieba)."""
        self.add_word(word, 0)

    def suggest_freq(self, segment: str | tuple[str, ...], tune: bool = False) -> int:
        """jieba's ``suggest_freq``: the count that keeps ``segment`` whole (a str) or split (a tuple).

        Whole: one more than ``N · Π p(piece)`` over its current segmentation,
        so the word beats that route.  Split: at most ``N · Π p(piece)`` of the
        given pieces.  ``tune=True`` also sets the count.
        """
        total = self._total or 1
        p = 1.0
        if isinstance(segment, str):
            word = segment
            # The index may still carry the N of its last build (a batch of
            # add_word is being made): a rebuild per word would cost seconds.
            for piece in self._lcut(word):
                p *= (self._freq.get(_key(piece)) or 1) / total
            freq = max(int(p * total) + 1, self._freq.get(_key(word)) or 1)
        else:
            word = "".join(segment)
            for piece in segment:
                p *= (self._freq.get(_key(piece)) or 1) / total
            freq = min(int(p * total), self._freq.get(_key(word), 0))
        if tune:
            self.add_word(word, freq)
        return freq

    def load_userdict(self, source: str | os.PathLike | IO | Mapping[str, int]) -> None:
        """Add the words of a jieba user dictionary (path or open file) or a mapping, as jieba does.

        Every line jieba accepts is read as jieba reads it (see
        :func:`~nlp_zero.lexicon.read_userdict`: ``word [freq] [tag]``, words
        may hold spaces); a missing freq is :meth:`suggest_freq` at that point
        of the file, so later words see the earlier ones.  Bytes that are not
        UTF-8 raise :class:`FormatError` naming the line, before any change.
        """
        if isinstance(source, Mapping):
            entries: Iterable = ((w, c, None) for w, c in source.items())
        else:
            entries = list(read_userdict(source))  # all lines checked before any change
        for word, freq, _ in entries:
            self.add_word(word, freq)

    # -- segmenting --------------------------------------------------------

    def _route(self, s: str) -> list[int]:
        """Viterbi over the lattice of ``s`` (symbol form): ``ends[i]`` = end of the best word at i.

        ``best[i] = min over words s[i:j] of cost(s[i:j]) + best[j]``, filled
        right to left; the prefix index stops each scan as soon as no word can
        continue, so the work is linear in ``len(s)`` times the longest word.
        """
        n = len(s)
        get = self._first.get
        unit = (self._unknown, _NONE)  # a unit that starts no word
        t = s + "\n"  # a sentinel no key contains: it ends every scan
        best = [0.0] * (n + 2)
        ends = list(range(1, n + 2))
        after = 0.0  # best[i + 1]
        i = n
        nxt = nxt2 = "\n"  # s[i + 1], s[i + 2]
        for ch in reversed(s):
            i -= 1
            b, second = get(ch, unit)
            b += after
            entry = second.get(nxt)
            if entry is not None:  # s[i:i+2] is a word or a prefix of one
                c, rest = entry
                c += best[i + 2]  # inf for a prefix only
                if c <= b:  # a tie goes to the longer word, as in jieba
                    b = c
                    ends[i] = i + 2
                if rest is not None:
                    c = rest.get(nxt2)
                    j = i + 3
                    while c is not None:  # None: s[i:j] is no word nor prefix of one
                        c += best[j]
                        if c <= b:
                            b = c
                            ends[i] = j
                        j += 1
                        c = rest.get(t[i:j])
            nxt2 = nxt
            nxt = ch
            after = best[i] = b
        return ends

    def _cut_block(self, block: str, pure_han: bool) -> tuple[str, ...]:
        if pure_han:
            ends = self._route(block)
            out = []
            i, n = 0, len(block)
            while i < n:
                e = ends[i]
                out.append(block[i:e])
                i = e
        else:
            spans = unit_spans(block)
            ends = self._route(symbolize(block))
            out = []
            i, n = 0, len(spans)
            while i < n:
                e = ends[i]
                out.append(block[spans[i][0]:spans[e - 1][1]])
                i = e
        return tuple(out)

    def _block(self, block: str, pure_han: bool) -> tuple[str, ...]:
        """The tokens of one block, through the cache.

        The cache has two generations of at most CACHE_GENERATION blocks: when
        the young one is full it becomes the old one and the previous old one
        is dropped, so blocks still in use survive (hits are promoted) and
        every operation is O(1).  Threads may race here harmlessly: the worst
        case is a block segmented twice.
        """
        words = self._cache.get(block)
        if words is None:
            words = self._old_cache.get(block)
            if words is None:
                words = self._cut_block(block, pure_han)
                if len(block) > CACHE_MAX_CHARS:
                    return words
            cache = self._cache
            cache[block] = words
            if len(cache) >= CACHE_GENERATION:
                self._old_cache = cache
                self._cache = {}
        return words

    def _pieces(self, text: str) -> Iterator[tuple[str, ...]]:
        """Token tuples in order: one per block, whitespace run, other character or symbol region."""
        if self._symbol_re is not None:
            regions = self._regions(text)
            if regions:
                pos = 0
                for a, b in regions:
                    yield from self._plain_pieces(text[pos:a])
                    yield self._block(text[a:b], False)
                    pos = b
                text = text[pos:]
        yield from self._plain_pieces(text)

    def _plain_pieces(self, text: str) -> Iterator[tuple[str, ...]]:
        block = self._block
        for m in _PIECE_RE.finditer(text):  # streams: text may be big
            piece = m.group()
            kind = m.lastindex
            yield (piece,) if kind > 2 or len(piece) == 1 else block(piece, kind == 1)

    def _regions(self, text: str) -> list[tuple[int, int]]:
        """Spans of ``text`` to segment as blocks because a word with symbols occurs there (see :data:`SYMBOLS`).

        Each occurrence that starts and ends at unit boundaries (``C++`` in
        ``C++11`` would not: ``C++11``'s ``11`` and ``AC++``'s ``AC`` are
        runs) grows over the blocks it touches; regions that meet are joined.
        """
        regions: list[list[int]] = []
        search = self._symbol_re.search
        m = search(text)
        while m is not None:
            a, b = m.span()
            if not (_ALNUM_CHAR_RE.match(text, a) and a and _ALNUM_CHAR_RE.match(text, a - 1)
                    or _ALNUM_CHAR_RE.match(text, b - 1) and _ALNUM_CHAR_RE.match(text, b)):
                while a and _BLOCK_CHAR_RE.match(text, a - 1):
                    a -= 1
                while _BLOCK_CHAR_RE.match(text, b):
                    b += 1
                if regions and a <= regions[-1][1]:
                    regions[-1][1] = max(regions[-1][1], b)
                else:
                    regions.append([a, b])
            m = search(text, m.start() + 1)  # words may overlap (AT&T, T&T)
        return [(a, b) for a, b in regions]

    def cut(self, text: str, cut_all: bool = False, HMM: bool = False) -> Iterator[str]:
        """Yield the tokens of ``text`` (jieba's ``cut``; ``''.join`` gives ``text`` back).

        ``HMM`` is accepted for jieba compatibility and ignored (there is no
        HMM for unknown words here).  ``cut_all=True`` is jieba's full mode:
        every dictionary word of each block, overlapping (see :meth:`_all`).
        """
        if self._built_total != self._total:
            self._refresh()
        if cut_all:
            yield from (w for w, _, _ in self._all(text))
            return
        for words in self._pieces(text):
            yield from words

    def lcut(self, text: str, cut_all: bool = False, HMM: bool = False) -> list[str]:
        """The tokens of ``text`` as a list."""
        if self._built_total != self._total:
            self._refresh()
        if cut_all:
            return [w for w, _, _ in self._all(text)]
        return self._lcut(text)

    def _lcut(self, text: str, spaces: bool = True) -> list[str]:
        # The loop of _pieces, specialised: lcut is the hot path of batch use.
        # Most Chinese text is pure Han blocks, which one C-level split
        # isolates; what lies between two of them (most often one
        # punctuation mark) goes through _plain_pieces.  spaces=False leaves
        # out the whitespace tokens (text output), which only lie between.
        out: list[str] = []
        if self._symbol_re is not None and self._symbol_re.search(text):
            for words in self._pieces(text):
                out.extend(words)
            return out if spaces else [w for w in out if not w.isspace()]  # a region may hold " "
        append = out.append
        extend = out.extend
        cached = self._cache.get
        block = self._block
        parts = _HAN_SPLIT_RE.split(text)
        parts.append("")  # pairs: (what precedes a pure Han block, the block)
        it = iter(parts)
        for between, han in zip(it, it):
            if between:
                if len(between) == 1:
                    if spaces or not between.isspace():
                        append(between)
                else:
                    for words in self._plain_pieces(between):
                        if spaces or not words[0].isspace():
                            extend(words)
            if han:
                if len(han) == 1:
                    append(han)
                else:
                    extend(cached(han) or block(han, True))
        return out

    def tokenize(self, text: str, mode: str = "default", HMM: bool = False) -> Iterator[tuple[str, int, int]]:
        """Yield ``(word, start, end)`` with ``text[start:end] == word`` (jieba's ``tokenize``).

        ``mode="search"`` is jieba's search mode: before each word of three
        units or more come its dictionary words of two units, then (for four
        or more) of three, with their own offsets (see :meth:`cut_for_search`).
        """
        if mode not in ("default", "search"):
            raise ValueError(f"mode must be 'default' or 'search', not {mode!r}")
        if self._built_total != self._total:
            self._refresh()
        pos = 0
        for words in self._pieces(text):
            for w in words:
                end = pos + len(w)
                if mode == "search" and len(w) > 2:
                    yield from self._grams(w, pos)
                yield w, pos, end
                pos = end

    def cut_for_search(self, text: str, HMM: bool = False) -> Iterator[str]:
        """jieba's ``cut_for_search``: each word, preceded by its dictionary words of 2 and 3 units.

        For a word of three units or more, every 2-unit substring that is a
        dictionary word comes first, then for four or more every 3-unit one,
        then the word itself (units are Han characters and alphanumeric runs;
        for Han text they are jieba's characters).
        """
        return (w for w, _, _ in self.tokenize(text, mode="search"))

    def lcut_for_search(self, text: str, HMM: bool = False) -> list[str]:
        """The tokens of :meth:`cut_for_search` as a list."""
        return list(self.cut_for_search(text))

    def _grams(self, word: str, pos: int) -> Iterator[tuple[str, int, int]]:
        """The dictionary words of 2, then 3 units inside ``word`` (at ``pos``), as jieba's search mode."""
        spans = [(i, i + 1) for i in range(len(word))] if _HAN_ONLY_RE.fullmatch(word) else unit_spans(word)
        n = len(spans)
        freq = self._freq
        for size in (2, 3):
            if n > size:
                for i in range(n - size + 1):
                    a, b = spans[i][0], spans[i + size - 1][1]
                    if freq.get(_key(word[a:b])):
                        yield word[a:b], pos + a, pos + b

    def _all(self, text: str) -> Iterator[tuple[str, int, int]]:
        """jieba's full mode (``cut_all=True``), with offsets.

        In each block, for each unit in turn: if exactly one dictionary word
        starts there (or none: then the unit itself) and it reaches past the
        last word given, it is given; otherwise every word of two units or
        more that starts there is given.  Whitespace runs come as in ``cut``,
        and, as in jieba, a run of other characters (say ``」；``) is one token.
        """
        other = -1  # start of the pending run of other characters
        for kind, pos, end in self._piece_spans(text):
            piece = text[pos:end]
            if kind == 4:
                other = pos if other < 0 else other
                continue
            if other >= 0:
                yield text[other:pos], other, pos
                other = -1
            if kind == 3:
                yield piece, pos, end
                continue
            spans = unit_spans(piece)
            ends = self._word_ends(symbolize(piece))
            last = -1
            for k, js in enumerate(ends):
                if len(js) == 1 and k > last:
                    j = js[0]
                    yield piece[spans[k][0]:spans[j - 1][1]], pos + spans[k][0], pos + spans[j - 1][1]
                    last = j - 1
                else:
                    for j in js:
                        if j > k + 1:
                            yield piece[spans[k][0]:spans[j - 1][1]], pos + spans[k][0], pos + spans[j - 1][1]
                            last = j - 1
        if other >= 0:
            yield text[other:], other, len(text)

    def _piece_spans(self, text: str) -> Iterator[tuple[int, int, int]]:
        """``(kind, start, end)`` of the pieces of ``text`` (kinds as the groups of _PIECE_RE; regions are 2)."""
        regions = self._regions(text) if self._symbol_re is not None else []
        pos = 0
        for a, b in regions + [(len(text), len(text))]:
            for m in _PIECE_RE.finditer(text, pos, a):
                yield m.lastindex, m.start(), m.end()
            if a < b:
                yield 2, a, b
            pos = b

    def _word_ends(self, s: str) -> list[list[int]]:
        """For each position of ``s`` (symbol form), the ends of the dictionary words that start there.

        As jieba's DAG: a single unit is listed only when it is a word or no
        longer word starts there.
        """
        freq = self._freq
        out = []
        for i in range(len(s)):
            ends = [j for j in range(i + 1, min(len(s), i + self._longest) + 1) if freq.get(s[i:j], 0) > 0]
            out.append(ends or [i + 1])
        return out

    def cut_lines(self, lines: Iterable[str], jobs: int = 1, batch: int = 2000,
                  format: Callable[[list], T] | None = None, mode: str = "default",
                  delimiter: str | None = None) -> Iterator[list | T | str]:
        """The tokens of each line, in input order; ``jobs > 1`` uses worker processes.

        ``mode`` "default" gives token lists (``lcut``); "all" (``cut_all``)
        and "search" (``cut_for_search``) give lists of ``(word, start, end)``,
        as their words overlap.  ``format`` (a picklable function of such a
        list, e.g. :func:`as_text` or :func:`as_json`) is applied in the
        workers and its results are yielded instead: sending back one string
        per line costs far less than sending back the tokens.  ``delimiter``
        gives each line as text, ``as_text(tokens, delimiter)``; in one
        process and the default mode the whitespace tokens are never made.
        """
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {sorted(_MODES)}, not {mode!r}")
        if delimiter is not None:
            if format is not None:
                raise ValueError("give format or delimiter, not both")
            format = functools.partial(as_text, delimiter=delimiter)
        if self._built_total != self._total:
            self._refresh()
        if jobs <= 1 and delimiter is not None and mode == "default":
            join = delimiter.join
            lcut = self._lcut
            for line in lines:
                yield join(lcut(line, False))
            return
        if jobs <= 1:
            cut = functools.partial(_MODES[mode], self)
            for line in lines:
                yield cut(line) if format is None else format(cut(line))
            return
        self.initialize()  # built once here, not once in every worker
        batches = iter(lambda it=iter(lines): list(itertools.islice(it, batch)), [])
        yield from _parallel(self, batches, jobs, format, mode)

    # -- pickling (for worker processes): the lock and the cache stay behind

    def __getstate__(self) -> dict:
        self.initialize()  # a worker gets the index, not the sorted keys it is built from
        state = self.__dict__.copy()
        del state["_lock"]
        state["_cache"] = {}
        state["_old_cache"] = {}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Tokenizer: {len(self._freq):,} words, total {self._total:,}>"


# What cut_lines gives per line in each mode.
_MODES: dict[str, Callable] = {
    "default": Tokenizer.lcut,
    "all": lambda tok, line: list(tok._all(line)),
    "search": lambda tok, line: list(tok.tokenize(line, mode="search")),
}


def as_text(tokens: list[str] | list[tuple[str, int, int]], delimiter: str = "  ") -> str:
    """Words joined by ``delimiter``; whitespace tokens are left out (they separate anyway)."""
    if tokens and isinstance(tokens[0], tuple):
        tokens = [t[0] for t in tokens]
    return delimiter.join([t for t in tokens if not t.isspace()])


def as_json(tokens: list[str] | list[tuple[str, int, int]]) -> str:
    """``{"tokens": [[word, start, end], ...]}`` with every token, offsets in characters."""
    if tokens and isinstance(tokens[0], tuple):
        return json.dumps({"tokens": [list(t) for t in tokens]}, ensure_ascii=False)
    spans = []
    pos = 0
    for t in tokens:
        spans.append([t, pos, pos + len(t)])
        pos += len(t)
    return json.dumps({"tokens": spans}, ensure_ascii=False)


# Worker processes of Tokenizer.cut_lines.  Each worker has a pipe of its own
# and at most one batch in flight, read back in the order sent: no lock is
# shared between processes (a worker killed while holding a shared queue's lock
# is what hangs multiprocessing.Pool), and no send can wait on a full pipe
# while its reader waits too.


def _parallel(tokenizer: Tokenizer, batches: Iterator[list[str]], jobs: int, format: Callable | None,
              mode: str = "default") -> Iterator:
    import collections

    from .pool import children_ignore_sigint, context

    ctx = context()
    workers = []
    try:
        with children_ignore_sigint():
            for _ in range(jobs):
                mine, theirs = ctx.Pipe()
                p = ctx.Process(target=_worker, args=(theirs, tokenizer, format, mode), daemon=True)
                p.start()
                theirs.close()
                workers.append((p, mine))
        pending: collections.deque[int] = collections.deque()  # worker of each batch in flight, in order
        for w in range(jobs):
            b = next(batches, None)
            if b is None:
                break
            workers[w][1].send(b)
            pending.append(w)
        while pending:
            w = pending.popleft()
            try:
                result = workers[w][1].recv()
            except EOFError:  # the worker is gone (killed, out of memory)
                from .pool import DIED

                raise NlpZeroError(DIED) from None
            if isinstance(result, BaseException):
                raise result
            b = next(batches, None)
            if b is not None:  # the worker is idle now: its pipe is free
                workers[w][1].send(b)
                pending.append(w)
            yield from result
        for p, conn in workers:
            conn.send(None)
        for p, conn in workers:
            p.join()
    except BaseException:  # an error, Ctrl-C, or the caller stopped early
        for p, conn in workers:
            p.kill()
        raise
    finally:
        for p, conn in workers:
            conn.close()


def _worker(conn, tokenizer: Tokenizer, format: Callable | None, mode: str) -> None:
    from .pool import worker_init

    worker_init()
    cut = functools.partial(_MODES[mode], tokenizer)
    while True:
        try:
            lines = conn.recv()
        except EOFError:
            return
        if lines is None:
            return
        try:
            if format is None:
                out = [cut(line) for line in lines]
            else:
                out = [format(cut(line)) for line in lines]
        except Exception as e:  # sent back, raised in the main process
            out = e
        conn.send(out)
