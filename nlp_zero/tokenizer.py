"""Segmenting text with a lexicon: unigram Viterbi (DESIGN.md §2, §3.5).

The best segmentation of a block minimises the code length
``-Σ ln p(w_k)`` with ``p(w) = n(w) / N`` (DESIGN.md §2, last formula).
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
  all CJK ideograph blocks and 〇 are Han (DESIGN.md §3.1).
* Alphanumeric runs are one unit here (with decimals and a trailing ``%``);
  jieba segments letters and digits with the dictionary and glues leftover
  single letters/digits back together.  Full-width digits are digits here.
  A dictionary word with letters or digits is matched by class: ``A股``
  (key ``<LAT>股``) also matches ``Ｂ股``.
* Whitespace runs are one token here; jieba emits each whitespace character
  (but ``\\r\\n``) alone.

>>> tok = Tokenizer({'售价': 10, '元': 5, '\\ue000元': 3})
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
from typing import IO, Callable, Iterable, Iterator, Mapping, TypeVar

from .lexicon import Lexicon, read_counts, read_dictionary
from .text import (_ALNUM_RE, _BLOCK_RE, _DIGIT, _LETTER, HAN_CLASS, OTHER_TOKEN, from_readable, symbolize,
                   unit_spans)

_INF = float("inf")
_NONE: dict[str, tuple] = {}  # what follows a unit that starts no longer word (never changed)
T = TypeVar("T")

# One scan of the text yields, in order: a block of Han only (group 1), a block
# with alphanumeric runs (group 2), a whitespace run (3) or any other single
# character (4; …… and —— stay whole).  The look-ahead makes group 1 take only whole blocks.
_PIECE_RE = re.compile(
    f"([{HAN_CLASS}]+)(?![{HAN_CLASS}{_DIGIT}{_LETTER}])"
    f"|({_BLOCK_RE.pattern})"
    f"|(\\s+)|({OTHER_TOKEN})",
    re.DOTALL,
)

# The pure Han blocks of _PIECE_RE (group 1) for re.split: a Han run that no
# alphanumeric run touches on either side (nor a per-cent sign, which may end one).
_HAN_SPLIT_RE = re.compile(f"(?<![{HAN_CLASS}{_DIGIT}{_LETTER}%\uff05])([{HAN_CLASS}]+)(?![{HAN_CLASS}{_DIGIT}{_LETTER}])")

#: Blocks up to this many characters have their segmentation cached ...
CACHE_MAX_CHARS = 32
#: ... in two generations of at most this many blocks each (see Tokenizer._block).
CACHE_GENERATION = 25_000


def _key(word: str) -> str:
    """The symbol form under which a lexicon word is looked up (``<NUM>年`` -> NUM+年)."""
    if "<" in word:
        word = from_readable(word)
    return symbolize(word) if _ALNUM_RE.search(word) else word


# A line (of words joined by newlines) that holds a digit or a Latin letter.
_ALNUM_LINE_RE = re.compile(f"^.*[{_DIGIT}{_LETTER}].*$", re.MULTILINE)


def _symbol_counts(counts: Mapping[str, int], trusted: bool = False) -> dict[str, int]:
    """A copy of ``counts`` keyed by symbol form (:func:`_key`), summed where keys meet.

    ``trusted``: the values are already non-negative ints (a Lexicon's).
    """
    if trusted:
        freq = dict(counts)
    else:
        words = list(counts)
        values = list(map(round, counts.values()))  # expected counts are rounded, as in Lexicon
        if values and min(values) < 0:
            bad = next(w for w, c in zip(words, values) if c < 0)
            raise ValueError(f"count of {bad!r} must be >= 0, got {counts[bad]!r}")
        freq = dict(zip(words, values))
    # Only words with a digit or letter change; find them with one regex scan.
    for w in sorted(set(_ALNUM_LINE_RE.findall("\n".join(freq)))):
        if w in freq:
            key = _key(w)
            if key != w:
                c = freq.pop(w)
                freq[key] = freq.get(key, 0) + c
    return freq


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


def _group(keys: list[str], parent: Callable[[str], str], children: Iterable[str], values: Iterable) -> dict[str, dict]:
    """``{parent(k): {child: value}}`` over ``keys`` sorted so that equal parents are adjacent.

    ``children`` and ``values`` run parallel to ``keys``.  All at C level:
    one dict per run of keys with one parent.  The parents are made twice
    rather than kept in a list as long as ``keys`` (the memory of that many
    small objects would stay with the process).
    """
    starts = list(itertools.compress(itertools.count(), map(operator.ne, map(parent, keys),
                                                            itertools.chain([None], map(parent, keys)))))
    runs = list(map(slice, starts, starts[1:] + [len(keys)]))
    children, values = list(children), list(values)
    return dict(zip(map(parent, map(keys.__getitem__, starts)),
                    map(dict, map(zip, map(children.__getitem__, runs), map(values.__getitem__, runs)))))


class Tokenizer:
    """Unigram Viterbi segmentation over a lexicon (jieba-compatible surface).

    ``lexicon`` is a :class:`Lexicon`, any mapping word -> count (as
    nlp-zero 0.1.6 took), the path of a jieba-format dictionary, or None for
    an empty one.  The tokenizer copies what it needs, so instances are
    independent: ``add_word``/``del_word`` change only this instance.  Reads
    (``cut``, ``lcut``, ``tokenize``) are safe from several threads; do not
    change the dictionary while other threads read.
    """

    def __init__(self, lexicon: Lexicon | Mapping[str, int] | str | os.PathLike | None = None):
        # n(w) per symbol-form key; words that share a key (e.g. 3D and 4K)
        # share its count.
        if lexicon is None:
            self._freq: dict[str, int] = {}
        elif isinstance(lexicon, (str, os.PathLike)):
            self._freq = _symbol_counts(read_counts(lexicon)[0], trusted=True)
        elif isinstance(lexicon, Lexicon):
            self._freq = _symbol_counts(lexicon._counts, trusted=True)
        else:
            self._freq = _symbol_counts(lexicon)
        self._total = sum(self._freq.values())
        self._lock = threading.Lock()
        self._build()

    # -- the model ---------------------------------------------------------

    def _build(self) -> None:
        """Word costs ``ln N - ln n(w)`` and the index the scan walks.

        The index is keyed by units, so that the scan looks up the characters
        it already holds instead of slicing the text: ``first[u] = (cost of
        u, second)``, ``second[v] = (cost of uv, rest)``, and ``rest`` maps
        a third unit ``w`` to the cost of ``uvw`` and each whole key of four
        units or more (starting with ``uv``) to its cost; where nothing
        continues, ``second`` is empty and ``rest`` None.  A prefix that is
        not a word costs inf (the scan goes on past it); a single unit always
        has a finite cost (its own, or the unknown cost), because a unit alone
        is always an option.  Built with C-level sort/map/zip: the keys of
        three units or more grouped by their first two, the pairs by their
        first unit (see :func:`_group`).
        """
        freq = self._freq
        logtotal = math.log(self._total) if self._total > 0 else 0.0
        unknown = logtotal  # ln N - ln 1: the add-one floor
        # Keys with a newline can never match a block ("\n" is the scan's sentinel).
        keys = list(freq)
        if "\n" in "".join(keys):
            keys = [w for w in keys if "\n" not in w]
        # cost = -(ln n - ln N): the same float jieba adds, negated exactly;
        # computed once per distinct count (counts repeat a lot).  A key that
        # is no word (a prefix, or a deleted word: count 0) costs inf, a unit
        # that is no word the unknown cost.
        cost_of = {c: -(math.log(c) - logtotal) for c in set(freq.values()) if c > 0}
        cost_of[0] = cost_of[None] = _INF
        unit_cost_of = {**cost_of, 0: unknown, None: unknown}
        count = freq.get

        def cost(keys: Iterable[str], of: dict = cost_of) -> Iterator[float]:
            return map(of.__getitem__, map(count, keys))

        # The keys of three units or more: the words and their prefixes
        # (duplicates do no harm), sorted so that keys sharing their first
        # two units are adjacent.
        keys.sort(key=len)
        start = functools.partial(bisect.bisect_left, list(map(len, keys)))  # of the keys of n units or more
        longest = len(keys[-1]) if keys else 0
        tail = keys[start(3):]
        for n in range(3, longest):
            tail.extend(map(itemgetter(slice(0, n)), keys[start(n + 1):]))
        tail.sort()  # cheap when the dictionary is (nearly) sorted, as jieba's is
        with _gc_paused():  # hundreds of thousands of small containers, none of them garbage
            # rest[w] for the third unit, rest[key] for longer keys; one object
            # per distinct unit (sys.intern), as many keys share it.
            thirds = map(sys.intern, map(itemgetter(2), tail))
            rest_keys = map(operator.getitem, zip(tail, thirds), map(operator.eq, map(len, tail), itertools.repeat(3)))
            rests = _group(tail, itemgetter(slice(0, 2)), rest_keys, cost(tail))
            pairs = list(rests)
            pairs += keys[start(2):start(3)]
            pairs.sort()
            seconds = _group(pairs, itemgetter(0), map(sys.intern, map(itemgetter(1), pairs)),
                             zip(cost(pairs), map(rests.get, pairs)))
            units = list(seconds)
            units += keys[:start(2)]
            self._first = dict(zip(units, zip(cost(units, unit_cost_of), map(seconds.get, units, itertools.repeat(_NONE)))))
        self._unknown = unknown
        self._cache: dict[str, tuple[str, ...]] = {}
        self._old_cache: dict[str, tuple[str, ...]] = {}
        self._dirty = False

    def _refresh(self) -> None:
        with self._lock:
            if self._dirty:
                self._build()

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

        As in jieba, the default is :meth:`suggest_freq`.  ``tag`` is accepted
        for jieba compatibility and ignored.  The total N changes by the
        difference in count.
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
            self._dirty = True

    def del_word(self, word: str) -> None:
        """Never produce ``word`` as one token (its count becomes 0, as in jieba)."""
        self.add_word(word, 0)

    def suggest_freq(self, segment: str | tuple[str, ...], tune: bool = False) -> int:
        """jieba's ``suggest_freq``: the count that keeps ``segment`` whole (a str) or split (a tuple).

        Whole: one more than ``N · Π p(piece)`` over its current segmentation,
        so the word beats that route.  Split: at most ``N · Π p(piece)`` of the
        given pieces.  ``tune=True`` also sets the count.
        """
        if self._dirty:
            self._refresh()
        total = self._total or 1
        p = 1.0
        if isinstance(segment, str):
            word = segment
            for piece in self.lcut(word):
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
        """Add the words of a jieba-format user dictionary (path or open file) or a mapping.

        Lines are ``word [freq [tag]]``; a missing freq is :meth:`suggest_freq`
        (as in jieba).  A malformed line raises :class:`FormatError` naming it.
        """
        if isinstance(source, Mapping):
            entries: Iterable = ((w, c, None) for w, c in source.items())
        else:
            entries = list(read_dictionary(source))  # all lines checked before any change
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
        """Token tuples in order: one per block, whitespace run or other character."""
        if self._dirty:
            self._refresh()
        block = self._block
        for m in _PIECE_RE.finditer(text):  # streams: text may be big
            piece = m.group()
            kind = m.lastindex
            yield (piece,) if kind > 2 or len(piece) == 1 else block(piece, kind == 1)

    def cut(self, text: str, cut_all: bool = False, HMM: bool = False) -> Iterator[str]:
        """Yield the tokens of ``text`` (jieba's ``cut``; ``''.join`` gives ``text`` back).

        ``HMM`` is accepted for jieba compatibility and ignored (there is no
        HMM for unknown words here); ``cut_all=True`` is not supported.
        """
        if cut_all:
            raise ValueError("cut_all=True is not supported")
        for words in self._pieces(text):
            yield from words

    def lcut(self, text: str, cut_all: bool = False, HMM: bool = False) -> list[str]:
        """The tokens of ``text`` as a list."""
        if cut_all:
            raise ValueError("cut_all=True is not supported")
        # The loop of _pieces, specialised: lcut is the hot path of batch use.
        # Most Chinese text is pure Han blocks, which one C-level split
        # isolates; what lies between two of them (most often one
        # punctuation mark) goes through _pieces.
        if self._dirty:
            self._refresh()
        out: list[str] = []
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
                    append(between)
                else:
                    for words in self._pieces(between):
                        extend(words)
            if han:
                if len(han) == 1:
                    append(han)
                else:
                    extend(cached(han) or block(han, True))
        return out

    def tokenize(self, text: str, mode: str = "default", HMM: bool = False) -> Iterator[tuple[str, int, int]]:
        """Yield ``(word, start, end)`` with ``text[start:end] == word`` (jieba's ``tokenize``)."""
        if mode != "default":
            raise ValueError(f"mode {mode!r} is not supported (only 'default')")
        pos = 0
        for words in self._pieces(text):
            for w in words:
                end = pos + len(w)
                yield w, pos, end
                pos = end

    def cut_lines(self, lines: Iterable[str], jobs: int = 1, batch: int = 2000,
                  format: Callable[[list[str]], T] | None = None) -> Iterator[list[str] | T]:
        """The token list of each line, in input order; ``jobs > 1`` uses worker processes.

        ``format`` (a picklable function of a token list, e.g. :func:`as_text`
        or :func:`as_json`) is applied in the workers and its results are
        yielded instead: sending back one string per line costs far less than
        sending back the tokens.
        """
        if jobs <= 1:
            for line in lines:
                yield self.lcut(line) if format is None else format(self.lcut(line))
            return
        if self._dirty:
            self._refresh()
        batches = iter(lambda it=iter(lines): list(itertools.islice(it, batch)), [])
        yield from _parallel(self, batches, jobs, format)

    # -- pickling (for worker processes): the lock and the cache stay behind

    def __getstate__(self) -> dict:
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


def as_text(tokens: list[str], delimiter: str = "  ") -> str:
    """Words joined by ``delimiter``; whitespace tokens are left out (they separate anyway)."""
    return delimiter.join([t for t in tokens if not t.isspace()])


def as_json(tokens: list[str]) -> str:
    """``{"tokens": [[word, start, end], ...]}`` with every token, offsets in characters."""
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


def _parallel(tokenizer: Tokenizer, batches: Iterator[list[str]], jobs: int, format: Callable | None) -> Iterator:
    import collections
    import multiprocessing

    workers = []
    try:
        for _ in range(jobs):
            mine, theirs = multiprocessing.Pipe()
            p = multiprocessing.Process(target=_worker, args=(theirs, tokenizer, format), daemon=True)
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
            result = workers[w][1].recv()
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


def _worker(conn, tokenizer: Tokenizer, format: Callable | None) -> None:
    while True:
        try:
            lines = conn.recv()
        except EOFError:
            return
        if lines is None:
            return
        try:
            if format is None:
                out = [tokenizer.lcut(line) for line in lines]
            else:
                out = [format(tokenizer.lcut(line)) for line in lines]
        except Exception as e:  # sent back, raised in the main process
            out = e
        conn.send(out)
