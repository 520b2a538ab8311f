"""Sentence templates learned from skip-gram statistics.

The design: docs/design.md §9.

A *template* is a sequence of literal words and placeholders ``[X]``, such
as ``[X]的[X]`` or ``[X]可以[X]吗``.  Matching is strict: a literal matches
exactly one identical token, a placeholder absorbs one or more consecutive
tokens, and nothing else may be skipped.

Learning follows the original nlp-zero idea, with the work bounded:

1. ``TemplateFinder.train(lines)`` tokenizes each line, cuts it into
   sentence-like pieces (after 。！？；) and counts words and *skip-gram pairs*
   (two words at most ``window`` tokens apart, in order).  Counting is
   additive: train again on more text and the counts add up; two finders add
   with ``+``.  Memory is bounded by ``max_pairs``: when the pair table grows
   past it, the rarest pairs are pruned (lossy counting) and the amount pruned
   is recorded, never hidden.
2. A pair is *strong* when it was seen ``min_count`` times and its pointwise
   mutual information ``PMI(a, b) = ln p(a, b) / (p(a) p(b))`` is at least
   ``min_pmi`` nats (1 nat: the point where joining two units starts to pay,
   docs/design.md §2).
3. ``TemplateFinder.find()`` goes over the distinct pieces ``train`` kept
   (each with its number of occurrences).  In each piece, every
   path of strong pairs of at most ``max_literals`` words becomes a candidate
   template -- the path's words as literals, ``[X]`` wherever tokens lie
   between them or before/after them.  Paths are enumerated from each
   position with out-degree at most ``window``, so the work per piece is at
   most ``n * window ** (max_literals - 1)``: never the exponential
   enumeration of all paths the predecessor did.  A one-literal path gives a
   *trivial* template such as ``[X]的[X]``; they are kept (the parser may use
   them) and marked, so listings can leave them out.  A word next to a
   punctuation mark also counts the one-sided form -- ``[X]了`` when 了
   comes before a mark, ``在[X]`` when 在 comes after one -- which tells on
   which side of a phrase the word sits (:meth:`TemplateSet.side`).

Tokens are compared in symbol form (``text.symbolize``): every digit or Latin
run is a class symbol, so ``[X]<NUM>月[X]`` covers 1月 and １２月 alike.

The result is a :class:`TemplateSet` (template -> count) that saves and loads
as text: a header line ``# nlp-zero templates 1 tokens=N entropy=H`` (what
the probabilities are relative to), then one ``template<TAB>count`` per line
sorted by (-count, template).  Literals are written as the words they are;
where two literals touch (no placeholder between them) a ``|`` separates
them (``[X]的|时候[X]``: the words 的 and 时候; nlp_zero 0.2.0 wrote a
space, which still reads), and a token holding ``|`` is never a
literal.  Class symbols are written ``<NUM>``/``<LAT>``; other ``#`` lines
and blank lines are ignored, so a hand-written list loads too.

>>> t = Template.parse('[X]可以[X]吗')
>>> t.match(['牛肉', '鸡蛋', '可以', '吃', '吗'])
(('牛肉', '鸡蛋'), ('吃',))
>>> t.match(['鸡蛋', '可以', '吃', '吗', '呢']) is None
True
"""

from __future__ import annotations

import itertools
import logging
import math
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from .errors import FormatError, InputError, NlpZeroError
from .fileio import atomic_write, os_cause, read_saved, whole_number
from .text import CLASS_SYMBOLS, from_readable, readable, symbolize

log = logging.getLogger(__name__)

PLACEHOLDER = "[X]"
# Written between two literals that touch (``[X]的|时候[X]``: the literals 的 and 时候, no
# placeholder between them); nowhere else.  A token holding it is never a literal.
SEPARATOR = "|"
FORMAT_HEADER = "# nlp-zero templates 1"

# Tokens after which a sentence-like piece ends (templates never cross them).
SENTENCE_END = frozenset("。！？；!?;") | {"…", "……"}

Tokenize = Callable[[str], list]


# --------------------------------------------------------------------------
# Templates and strict matching


@dataclass(frozen=True, repr=False)
class Template:
    """A sequence of literal words and placeholders (``None`` stands for ``[X]``).

    Two placeholders are never adjacent (the split between them would be
    arbitrary) and a template holds at least one literal and one placeholder.
    """

    items: tuple

    def __post_init__(self) -> None:
        items = self.items
        if not any(x is None for x in items) or all(x is None for x in items):
            raise ValueError("a template needs at least one literal and one placeholder")
        for a, b in zip(items, items[1:]):
            if a is None and b is None:
                raise ValueError("two adjacent placeholders")
        for x in items:
            if x is not None and (not x or any(c.isspace() for c in x) or PLACEHOLDER in x or SEPARATOR in x):
                raise ValueError(f"bad literal {x!r}")

    @classmethod
    def parse(cls, text: str) -> "Template":
        """Read ``[X]的[X]``; touching literals are separated by ``|`` (or, as 0.2.0 wrote them, a space)."""
        items: list = []
        for i, part in enumerate(text.split(PLACEHOLDER)):
            if i:
                items.append(None)
            items.extend(from_readable(w) for w in part.replace(SEPARATOR, " ").split())
        return cls(tuple(items))

    def __str__(self) -> str:
        out = []
        prev_literal = False
        for x in self.items:
            if x is None:
                out.append(PLACEHOLDER)
                prev_literal = False
            else:
                if prev_literal:
                    out.append(SEPARATOR)
                out.append(readable(x))
                prev_literal = True
        return "".join(out)

    def __repr__(self) -> str:
        return f"Template({str(self)!r})"

    @property
    def literals(self) -> tuple:
        return tuple(x for x in self.items if x is not None)

    @property
    def trivial(self) -> bool:
        """A one-word template (``[X]的[X]``, ``[X]了``): it says only that a word occurs."""
        return len(self.literals) == 1

    def matches(self, tokens: list) -> Iterator[tuple]:
        """Every strict match of the whole of ``tokens``: the placeholder contents.

        Placeholder extents are tried shortest first, so the order is
        deterministic.  Dead ends are remembered, so finding the first match
        (:meth:`match`) takes polynomial time even when there is none.
        """
        items = self.items
        n = len(tokens)
        # Minimum number of tokens the items from k on need (1 each).
        need = [0] * (len(items) + 1)
        for k in range(len(items) - 1, -1, -1):
            need[k] = need[k + 1] + 1

        dead: set = set()  # (item, position) states known to lead to no match

        def walk(k: int, pos: int, acc: tuple) -> Iterator[tuple]:
            if (k, pos) in dead:
                return
            found = False
            for m in _walk(k, pos, acc):
                found = True
                yield m
            if not found:
                dead.add((k, pos))

        def _walk(k: int, pos: int, acc: tuple) -> Iterator[tuple]:
            if k == len(items):
                if pos == n:
                    yield acc
                return
            x = items[k]
            if x is not None:
                if pos < n and tokens[pos] == x:
                    yield from walk(k + 1, pos + 1, acc)
                return
            # A placeholder: 1.. tokens, then the next item is a literal (or the end).
            if k + 1 == len(items):
                if n - pos >= 1:
                    yield from walk(k + 1, n, acc + (tuple(tokens[pos:]),))
                return
            nxt = items[k + 1]
            for end in range(pos + 1, n - need[k + 1] + 1):
                if tokens[end] == nxt:
                    yield from walk(k + 1, end, acc + (tuple(tokens[pos:end]),))

        yield from walk(0, 0, ())

    def match(self, tokens: list):
        """The first strict match of ``tokens`` (placeholder contents), or ``None``."""
        return next(self.matches(tokens), None)


# --------------------------------------------------------------------------
# Sentence-like pieces


def clean_tokens(tokens: Iterable[str]) -> list:
    """Drop whitespace tokens: they are separators, never template literals."""
    return [t for t in tokens if t and not t.isspace()]


def is_mark(token: str) -> bool:
    """Punctuation or symbols only: no letter, digit, Han character or class symbol."""
    return not any(ch.isalnum() or ch in CLASS_SYMBOLS for ch in token)


def symbol_forms(tokens: list, cache: dict | None = None) -> list:
    """Tokens as templates see them: digit and Latin runs become class symbols.

    So ``[X]<NUM>月[X]`` matches ``１２月`` and ``3月`` alike (text.symbolize).
    """
    if cache is None:
        return [symbolize(t) for t in tokens]
    out = []
    for t in tokens:
        s = cache.get(t)
        if s is None:
            s = cache[t] = symbolize(t)
        out.append(s)
    return out


def pieces(tokens: list) -> list:
    """Cut a token list after sentence-final punctuation (。！？；…).

    Templates are learned and parsed within these pieces, which keeps both
    bounded on paragraph-long lines.
    """
    out = []
    start = 0
    for i, t in enumerate(tokens):
        if t in SENTENCE_END and (i + 1 == len(tokens) or tokens[i + 1] not in SENTENCE_END):
            out.append(tokens[start:i + 1])
            start = i + 1
    if start < len(tokens):
        out.append(tokens[start:])
    return out


# --------------------------------------------------------------------------
# The result: a counted set of templates


class TemplateSet:
    """Template -> count, with the number of tokens they were counted over.

    ``logp(t) = ln(count(t) / tokens)``: the probability that a template
    occurrence is anchored at a given token position.  ``entropy`` is the
    per-token word entropy of the training text (nats), the default cost the
    parser charges for a token no template explains.
    """

    def __init__(self, counts: dict | None = None, tokens: int | None = None,
                 entropy: float | None = None):
        self.counts: dict = {}
        for t, c in (counts or {}).items():
            if not isinstance(t, Template):
                t = Template.parse(t)
            self.counts[t] = self.counts.get(t, 0) + int(c)
        total = sum(self.counts.values())
        self.tokens = int(tokens) if tokens else max(total, 1)
        # Without word statistics (a hand-made set), an uncovered token costs
        # one nat more than the rarest template: any template beats bare words.
        if entropy is None:
            entropy = math.log(self.tokens) + 1.0
        self.entropy = round(float(entropy), 6)  # as saved: a loaded set parses identically

    def __len__(self) -> int:
        return len(self.counts)

    def __contains__(self, t) -> bool:
        return self._key(t) in self.counts

    def __getitem__(self, t) -> int:
        return self.counts.get(self._key(t), 0)

    def __iter__(self) -> Iterator[Template]:
        """Templates in (-count, text) order."""
        return (t for t, _ in self.most_common())

    def __repr__(self) -> str:
        top = ", ".join(f"{t}: {c}" for t, c in self.most_common(3))
        return f"TemplateSet({len(self)} templates, {self.tokens} tokens; {top}{', ...' if len(self) > 3 else ''})"

    @staticmethod
    def _key(t):
        return t if isinstance(t, Template) else Template.parse(t)

    def side(self, word: str) -> str | None:
        """``'left'`` if ``word`` closes phrases more often than it opens them, else ``'right'``.

        Read off the boundary counts of the one-word templates ``[X]word``
        (the word before a punctuation mark or the end of a piece) and
        ``word[X]`` (after one): 了, 的, 吗 close what precedes them; 在, 把,
        但 open what follows.  Opening brackets and quotes (《“（) open,
        closing ones close; other punctuation, and words never seen at a
        mark or seen as often on both sides, give ``None``.
        """
        if is_mark(word):
            # Brackets and quotes say it themselves (Unicode open/close punctuation).
            cats = {unicodedata.category(ch) for ch in word}
            if cats <= {"Ps", "Pi"}:
                return "right"
            if cats <= {"Pe", "Pf"}:
                return "left"
            return None
        closes = self.counts.get(Template((None, word)), 0)
        opens = self.counts.get(Template((word, None)), 0)
        if closes > opens:
            return "left"
        if opens > closes:
            return "right"
        return None

    def logp(self, t) -> float:
        """``ln p(t) = ln(count / tokens)``; ``-inf`` for a template not in the set."""
        c = self[t]
        return math.log(c / self.tokens) if c else -math.inf

    def most_common(self, n: int | None = None, trivial: bool = True, specific: bool = True) -> list:
        """Templates sorted by (-count, text).

        ``trivial=False`` leaves out one-word templates.  ``specific=False``
        leaves out every template that a more general non-trivial template of
        the set covers -- one whose placeholders, filled, give it:
        ``[X]、[X]、[X]`` stands for ``[X]、[X]、[X]、[X]``, ``[X]<NUM>|日电[X]``
        for ``[X]<NUM>月|<NUM>|日电[X]`` -- so a listing shows each
        construction once, by its general form.
        """
        items = sorted(((t, c) for t, c in self.counts.items() if trivial or not t.trivial),
                       key=lambda tc: (-tc[1], str(tc[0])))
        if not specific:
            items = self._general(items, n)
        return items if n is None else items[:n]

    def _general(self, items: list, n: int | None) -> list:
        """The ``(template, count)`` of ``items`` no more general non-trivial template covers (first ``n``)."""
        by_literals: dict = {}
        for t in self.counts:
            if not t.trivial:
                by_literals.setdefault(t.literals, []).append(t)
        out = []
        for t, c in items:
            if n is not None and len(out) >= n:
                break
            lits = t.literals
            if not any(g.match(list(t.items)) is not None  # g's placeholders filled give t
                       for k in range(2, len(lits)) for sub in itertools.combinations(lits, k)
                       for g in by_literals.get(sub, ())):
                out.append((t, c))
        return out

    def save(self, path: str) -> None:
        """One ``template<TAB>count`` per line, sorted by (-count, template)."""
        with atomic_write(path) as f:
            f.write(f"{FORMAT_HEADER} tokens={self.tokens} entropy={self.entropy:.6f}\n")
            for t, c in self.most_common():
                f.write(f"{t}\t{c}\n")

    @classmethod
    def load(cls, path: str) -> "TemplateSet":
        """Read a file written by :meth:`save` (or by hand: ``# ...`` lines are comments).

        Read through ``fileio.read_saved`` (UTF-8 with or without a BOM, LF
        or CRLF).  A malformed line is a :class:`FormatError` naming the file
        and line; a missing file an :class:`InputError`.
        """
        try:
            open(path, "rb").close()
        except OSError as e:
            raise InputError(path, os_cause(e)) from None
        counts: dict = {}
        fields: dict = {}
        for lineno, line in read_saved(path):
            if line.startswith("#"):
                if line.startswith(FORMAT_HEADER):
                    fields = _header_fields(path, line[len(FORMAT_HEADER):], lineno)
                continue
            if not line.strip():
                continue
            text, tab, count = line.partition("\t")
            if not tab:
                raise FormatError(path, "expected 'template<TAB>count'", lineno)
            c = whole_number(count.strip())
            if not c:
                raise FormatError(path, f"bad count {count!r}", lineno)
            try:
                t = Template.parse(text)
            except ValueError as e:
                raise FormatError(path, f"bad template {text!r}: {e}", lineno) from None
            if t in counts:
                raise FormatError(path, f"duplicate template {text!r}", lineno)
            counts[t] = c
        return cls(counts, tokens=fields.get("tokens"), entropy=fields.get("entropy"))


def _header_fields(path: str, text: str, lineno: int) -> dict:
    """``tokens=N entropy=H`` of the header line: a positive count and a finite non-negative number."""
    out: dict = {}
    for field in text.split():
        key, _, value = field.partition("=")
        try:
            if key == "tokens":
                out[key] = int(value)
                if out[key] < 1:
                    raise ValueError
            elif key == "entropy":
                out[key] = float(value)
                if not 0 <= out[key] < math.inf:
                    raise ValueError
        except ValueError:
            raise FormatError(path, f"bad header field {field!r}", lineno) from None
    return out


# --------------------------------------------------------------------------
# Learning


class _LossyCounter(Counter):
    """A Counter that stays under ``budget`` keys by lossy counting.

    When it grows past the budget, keys whose count is at most ``floor`` are
    dropped (the floor rising as needed); ``discarded`` sums what was
    dropped, so a caller can report it.  Below the budget it is exact; a key
    dropped and seen again is undercounted by at most ``floor`` per drop.
    """

    def __init__(self, budget: int):
        super().__init__()
        self.budget = budget
        self.floor = 0
        self.discarded = 0

    def check(self) -> None:
        """Over budget: drop the rarest keys until a quarter of the budget is free (amortised)."""
        if len(self) <= self.budget:
            return
        target = self.budget * 3 // 4
        floor = max(self.floor, 1)
        while len(self) > target:
            drop = [k for k, c in self.items() if c <= floor]
            self.discarded += sum(self[k] for k in drop)
            for k in drop:
                del self[k]
            self.floor = floor
            log.info("pruned %d keys at count <= %d to stay under %d", len(drop), floor, self.budget)
            floor += 1


class TemplateFinder:
    """Learn templates from tokenized raw text (see the module docstring).

    ``tokenize``: any callable ``str -> list[str]``.  ``window``: largest
    distance between the two words of a skip-gram pair (and between
    consecutive literals of a template).  ``min_count``: fewest occurrences
    of a strong pair and of a kept template.  ``min_pmi``: least PMI (nats)
    of a strong pair.  ``max_literals``: most words in a template.
    ``max_pairs``: memory budget of the pair table (keys).

    The rhythm of every learner: construct, ``train(lines)`` (additive; two
    finders also add with ``+``), then ``find()`` returns a
    :class:`TemplateSet`.  ``train`` keeps each distinct piece once, with
    its count (``texts``), so memory grows with the distinct text -- about
    8 bytes a token, less on repetitive text such as statutes.
    """

    def __init__(self, tokenize: Tokenize, window: int = 5, min_count: int = 5,
                 min_pmi: float = 1.0, max_literals: int = 4, max_pairs: int = 5_000_000):
        if window < 1 or max_literals < 1 or min_count < 1:
            raise NlpZeroError("window, max_literals and min_count must be at least 1")
        if not math.isfinite(min_pmi):
            raise NlpZeroError(f"min_pmi must be a finite number of nats, not {min_pmi}")
        self.tokenize = tokenize
        self.window = window
        self.min_count = min_count
        self.min_pmi = min_pmi
        self.max_literals = max_literals
        self.words: Counter = Counter()
        self.pairs = _LossyCounter(max_pairs)
        self.pieces = 0
        self.texts: Counter = Counter()  # distinct pieces (symbol forms) -> occurrences, for find()
        self._strong: dict | None = None

    # -- pass 1: word and skip-gram counts -----------------------------------

    def _pieces(self, lines: Iterable[str]) -> Iterator[list]:
        cache: dict = {}
        for line in lines:
            if len(cache) > 1_000_000:
                cache.clear()
            yield from pieces(symbol_forms(clean_tokens(self.tokenize(line)), cache))

    def train(self, lines: Iterable[str]) -> "TemplateFinder":
        """Count words and skip-gram pairs of ``lines`` (adds to earlier counts)."""
        words, pairs, window = self.words, self.pairs, self.window
        texts = self.texts
        for piece in self._pieces(lines):
            self.pieces += 1
            texts[tuple(piece)] += 1
            words.update(piece)
            for d in range(1, min(window, len(piece) - 1) + 1):
                pairs.update(zip(piece, piece[d:]))
            if len(pairs) > pairs.budget:
                pairs.check()
        self._strong = None
        return self

    def merge(self, other: "TemplateFinder") -> "TemplateFinder":
        """Add ``other``'s counts into this finder, in place (shards trained apart); returns self."""
        if (self.window, self.max_literals) != (other.window, other.max_literals):
            raise ValueError("finders with different window/max_literals do not add")
        self.words.update(other.words)
        self.pairs.update(other.pairs)
        self.pairs.floor = max(self.pairs.floor, other.pairs.floor)
        self.pairs.discarded += other.pairs.discarded
        self.pairs.check()
        self.pieces += other.pieces
        self.texts.update(other.texts)
        self._strong = None
        return self

    def __add__(self, other: "TemplateFinder") -> "TemplateFinder":
        """Counts of two finders (same settings) added, in a new finder: shards can be trained apart."""
        if (self.window, self.max_literals) != (other.window, other.max_literals):
            raise ValueError("finders with different window/max_literals do not add")
        out = TemplateFinder(self.tokenize, self.window, self.min_count, self.min_pmi,
                             self.max_literals, max(self.pairs.budget, other.pairs.budget))
        return out.merge(self).merge(other)

    @property
    def tokens(self) -> int:
        return sum(self.words.values())

    def entropy(self) -> float:
        """Per-token word entropy ``H = -Σ p_w ln p_w`` of the training text (nats)."""
        n = self.tokens
        if not n:
            return 1.0
        return -sum(c / n * math.log(c / n) for c in self.words.values())

    def pmi(self, a: str, b: str) -> float:
        """``ln p(a, b) / (p(a) p(b))`` with ``p(a, b)`` over all counted pairs."""
        nab = self.pairs.get((a, b), 0)
        if not nab:
            return -math.inf
        n = self.tokens
        return math.log(nab * n * n / (self._npairs() * self.words[a] * self.words[b]))

    def _npairs(self) -> int:
        """All pair occurrences counted, pruned ones included (the PMI's normaliser)."""
        return sum(self.pairs.values()) + self.pairs.discarded

    def strong_pairs(self) -> dict:
        """``{a: frozenset of b}`` for the pairs that count as links (``min_count``, ``min_pmi``)."""
        if self._strong is None:
            n = self.tokens
            npairs = self._npairs()
            words = self.words
            threshold = self.min_pmi
            strong: dict = {}
            if n and npairs:
                scale = math.log(n * n / npairs)
                for (a, b), nab in self.pairs.items():
                    if nab >= self.min_count and math.log(nab / (words[a] * words[b])) + scale >= threshold:
                        strong.setdefault(a, set()).add(b)
            self._strong = {a: frozenset(bs) for a, bs in strong.items()}
        return self._strong

    # -- pass 2: candidate templates -----------------------------------------

    def candidates(self, piece: list) -> Iterator[Template]:
        """Candidate templates of one piece (of symbol-form tokens): paths of strong pairs."""
        return (Template(items) for items in self._candidate_items(piece))

    def _candidate_items(self, piece: list) -> Iterator[tuple]:
        strong = self.strong_pairs()
        n = len(piece)
        window, kmax = self.window, self.max_literals
        # links[i]: positions j in (i, i + window] that i links to.
        links = []
        for i, a in enumerate(piece):
            bs = strong.get(a)
            links.append([j for j in range(i + 1, min(n, i + window + 1)) if piece[j] in bs] if bs else [])
        last = n - 1
        marks = [is_mark(t) for t in piece]
        for start in range(n):
            # Which side of a phrase a word sits on: 了 before a mark counts
            # [X]了, 在 after one counts 在[X] (Parser.attach reads them).
            if not marks[start] and 0 < start < last:
                if marks[start - 1]:
                    yield (piece[start], None)
                if marks[start + 1]:
                    yield (None, piece[start])
            # Paths grow from each start position; at most window**(kmax-1) of them.
            stack = [(start,)]
            while stack:
                path = stack.pop()
                items = [None] if start > 0 else []
                prev = start
                for p in path:
                    if p > prev + 1:
                        items.append(None)
                    items.append(piece[p])
                    prev = p
                if prev < last:
                    items.append(None)
                if len(items) > len(path):  # else the path is the whole piece: nothing to fill
                    yield tuple(items)
                if len(path) < kmax:
                    stack.extend(path + (j,) for j in reversed(links[path[-1]]))

    def find(self, lines: Iterable[str] | None = None, max_templates: int = 2_000_000) -> TemplateSet:
        """Count the candidate templates of the trained text and keep the frequent ones.

        ``train()`` keeps the distinct pieces it saw (with their counts), so
        the text is not read again.  ``max_templates`` bounds the memory of
        the template table (lossy counting, as for pairs).  Passing ``lines``
        (the two-pass call of nlp_zero 0.2.0) still counts candidates over
        those lines, with a ``DeprecationWarning``.
        """
        if not self.words:
            raise ValueError("train() the finder before find()")
        counts = _LossyCounter(max_templates)
        if lines is not None:
            warnings.warn("TemplateFinder.find(lines) is deprecated: train(lines) keeps what find() needs; "
                          "call find() without arguments", DeprecationWarning, stacklevel=2)
            weighted = ((piece, 1) for piece in self._pieces(lines))
        else:
            weighted = self.texts.items()
        for piece, m in weighted:
            if m == 1:
                counts.update(self._candidate_items(piece))
            else:
                for items in self._candidate_items(piece):
                    counts[items] += m
            if len(counts) > counts.budget:
                counts.check()
        if counts.discarded:
            log.info("template table pruned: %d occurrences below count %d dropped",
                     counts.discarded, counts.floor)
        kept = {}
        for items, c in counts.items():
            if c >= self.min_count:
                try:
                    kept[Template(items)] = c
                except ValueError:  # a token that cannot be written as a literal (holds '[X]')
                    continue
        return TemplateSet(kept, tokens=self.tokens, entropy=self.entropy())
