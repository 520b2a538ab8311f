"""Parse sentences into nested templates.

The design: docs/design.md §9.

A parse covers a sentence with nested, non-crossing template matches.  Its
score, in nats, is

    Σ_matches ln p(T)  −  c · (tokens no literal explains)
                       −  boundary · (joints between side-by-side parts)
                       +  Σ_match edges ln P(phrase boundary at its ends)

* ``ln p(T) = ln(n_T / N)``: the template's log-probability.
* ``c`` (``penalty``): the cost of a token left to the placeholders; by
  default the per-token word entropy of the training text, so a template
  pays for itself when it explains its literals more cheaply than coding
  them as average words -- the minimum-entropy trade-off (docs/design.md §2).
* ``boundary`` (ln 2, one bit): marking where two units side by side meet,
  so that a match absorbs its neighbours rather than tying with them.
* edges: where a match starts and ends should be where a phrase may end.
  Punctuation in the raw text tells where phrases end: n([X]了) counts 了
  before a mark, n(在[X]) 在 after one (TemplateFinder records both).  The
  chance of a boundary between words a and b is estimated as
  ``P(a closes) + P(b opens)`` (Laplace-smoothed, at most 1); at a mark it is 1.

The search is a CKY-style dynamic programme over token spans, memoised:

* ``seq(i, j)``: best tiling of tokens ``i..j`` by template matches and bare
  tokens (what a placeholder holds);
* ``node(i, j)``: best template match covering exactly ``i..j``.

A template match is *anchored* on its literals: its literals sit on
identical tokens (compared in symbol form, so ``<NUM>月`` matches ``3月``),
the placeholders between them hold ``seq`` of the gaps, and its
leading/trailing placeholders stretch to the span's ends.  Templates are
indexed by their rarest literal (the one whose one-word templates count
least): a piece looks up only the templates of the words it holds, keeps
those whose literals all occur in it, and places them from the positions
of their first literal -- at most ``max_anchors`` per template and start
position; matches are limited to ``max_span`` tokens.
Leading/trailing extensions are folded in through an intermediate table, so
the time is ``O(n * max_span**2)`` and the memory ``O(n * max_span)`` for a
piece of ``n`` tokens, whatever the templates.  Lines are first cut into
sentence-like pieces (after 。！？；, as in learning); a piece longer than
``max_piece`` tokens is cut after a punctuation mark (or hard, if it has
none) -- the documented fallback for endless lines.  Ties go to the first
candidate in a fixed order, so the output is deterministic.

A :class:`SentTree` node is a template match (one child per template item),
a literal, a run of bare words, or a sequence of those.  ``constituents()``
lists the spans the parse asserts, each literal grouped with the side it
attaches to (``TemplateSet.side``): ``(苹果的)颜色``, ``(在(北京))``.
A chain of a punctuation list template nested in itself (``A，(B，(C))``)
is shown as one flat list (``[X]，[X]，[X]``, a strict match of the same span).

>>> from nlp_zero.templates import TemplateSet
>>> ts = TemplateSet({'[X]可以[X]吗': 1, '[X]的[X]': 1, '[X]呢': 1})
>>> Parser(ts, str.split).parse('牛肉 鸡蛋 可以 吃 吗').bracket()
'(牛肉鸡蛋)可以(吃)吗'
"""

from __future__ import annotations

import itertools
import json
import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Callable, Iterator

from .templates import Template, TemplateSet, is_mark, pieces, symbol_forms

NEG = float("-inf")

# Node kinds.
TEMPLATE = "template"  # a template match; one child per template item
LITERAL = "literal"  # a token matched by a template literal
WORDS = "words"  # a run of tokens no template explains
SEQUENCE = "sequence"  # several of the above side by side


@dataclass
class SentTree:
    """A node of a parse: a template match, a literal, a run of words or a sequence.

    ``start``/``end`` are token offsets in the parsed sentence,
    ``char_start``/``char_end`` character offsets, ``tokens`` the tokens
    of the span, ``content`` their text.
    """

    kind: str
    start: int
    end: int
    tokens: list
    template: Template | None = None
    children: list = field(default_factory=list)
    score: float = 0.0
    attach: str | None = None  # a literal's side: 'left' (了, 的) or 'right' (在, 把)
    inner: list = field(default_factory=list)  # a run of words: its binary bracketing (Parser.binarize)
    char_start: int = 0  # character offsets in the parsed text (Parser.parse sets them)
    char_end: int = 0

    @property
    def content(self) -> str:
        return "".join(self.tokens)

    @property
    def depth(self) -> int:
        """Levels below this node (a leaf has depth 0)."""
        return 1 + max(c.depth for c in self.children) if self.children else 0

    def walk(self) -> Iterator["SentTree"]:
        """This node and all nodes below it, parents before children."""
        yield self
        for c in self.children:
            yield from c.walk()

    # -- renderings --------------------------------------------------------

    def bracket(self) -> str:
        """``(苹果)的(颜色)是(什么)呢``: placeholder contents and nested matches in brackets."""
        if self.kind == TEMPLATE:
            return "".join(c.content if c.kind == LITERAL else f"({c.bracket()})" for c in self.children)
        if self.kind == SEQUENCE:
            return "".join(f"({c.bracket()})" if c.kind == TEMPLATE else c.bracket() for c in self.children)
        return self.content

    def to_dict(self) -> dict:
        """The node as ``parse --format json`` writes it.

        ``start``/``end`` are character offsets in the parsed text (as
        ``cut --format jsonl`` gives them), ``words`` the node's words.
        """
        d = {"kind": self.kind, "start": self.char_start, "end": self.char_end, "words": list(self.tokens),
             "content": self.content}
        if self.template is not None:
            d["template"] = str(self.template)
        if self.attach is not None:
            d["attach"] = self.attach
        if self.children:
            d["children"] = [c.to_dict() for c in self.children]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def pretty(self) -> str:
        """An indented tree, one node a line."""
        lines: list = []

        def label(t: SentTree) -> str:
            if t.kind == TEMPLATE:
                return f"{t.template}  {t.content}"
            if t.kind == SEQUENCE:
                return f"·  {t.content}"
            return t.content

        def draw(t: SentTree, prefix: str, last: bool, root: bool) -> None:
            lines.append(label(t) if root else prefix + ("└─ " if last else "├─ ") + label(t))
            inner = "" if root else prefix + ("   " if last else "│  ")
            for k, c in enumerate(t.children):
                draw(c, inner, k == len(t.children) - 1, False)

        draw(self, "", True, True)
        return "\n".join(lines)

    __str__ = pretty

    # -- spans -------------------------------------------------------------

    def constituents(self) -> list:
        """``(start, end)`` of every unit the parse asserts, sorted.

        Those are the template matches, the sequences, every placeholder
        content and the binary bracketing of a run of words it holds
        (``inner``) -- and, inside a match, each literal grouped with the unit
        on the side it attaches to (``attach``): ``[X]的[X]`` over 苹果的颜色
        gives 苹果 / 苹果的 / 颜色 / the whole.  Literals alone and bare runs
        of words inside a sequence are not units.
        """
        out = set()

        def visit(t: SentTree, under_template: bool) -> None:
            if t.kind in (TEMPLATE, SEQUENCE) or (t.kind == WORDS and under_template):
                out.add((t.start, t.end))
                out.update(t.inner)
            if t.kind == TEMPLATE:
                out.update(_attachments(t.children))
            for c in t.children:
                visit(c, t.kind == TEMPLATE)

        visit(self, True)
        return sorted(out)

    def levels(self) -> list:
        """Spans at each depth: level 0 is the whole, each next level splits every node into its children.

        A coarse-to-fine segmentation of the sentence for free; leaves are
        carried down unchanged to the deeper levels.
        """
        out = []
        level = [self]
        while True:
            out.append([(t.start, t.end) for t in level])
            nxt = [c for t in level for c in (t.children or [t])]
            if all(not t.children for t in level):
                break
            level = nxt
        return out

    def segmentation(self, depth: int) -> list:
        """The texts of the spans at ``depth`` (see :meth:`levels`)."""
        levels = self.levels()
        spans = levels[min(depth, len(levels) - 1)]
        toks = self.tokens
        return ["".join(toks[s - self.start:e - self.start]) for s, e in spans]


def _set_chars(tree: SentTree, starts: list, ends: list) -> None:
    """Character offsets of every node from those of its first and last token."""
    for t in tree.walk():
        t.char_start = starts[t.start] if t.end > t.start else (ends[t.start - 1] if t.start else 0)
        t.char_end = ends[t.end - 1] if t.end > t.start else t.char_start


def _attachments(children: list) -> list:
    """Spans formed by attaching literals to their neighbours: closers first, then openers."""
    units = [[c.start, c.end, c.attach if c.kind == LITERAL else None] for c in children]
    spans = []
    k = 1
    while k < len(units):  # 'left' literals close the unit before them
        if units[k][2] == "left":
            units[k - 1][1] = units[k][1]
            spans.append((units[k - 1][0], units[k - 1][1]))
            del units[k]
        else:
            k += 1
    k = len(units) - 2
    while k >= 0:  # 'right' literals open the unit after them
        if units[k][2] == "right":
            units[k + 1][0] = units[k][0]
            spans.append((units[k + 1][0], units[k + 1][1]))
            del units[k]
        k -= 1
    return spans


def _is_list(t: Template) -> bool:
    """``[X]，[X]`` or ``[X]、[X]、[X]``...: one punctuation mark repeated between placeholders."""
    items = t.items
    return (len(items) >= 3 and len(items) % 2 == 1 and items[0] is None and is_mark(items[1])
            and len(set(items[1::2])) == 1 and all(x is None for x in items[::2]))


def _flatten_list(t: Template, children: list):
    """A list nested in the first or last item of the same list is one list: A，(B，C) -> A，B，C.

    Left alone, chains of ``[X]，[X]`` nest to one side and assert every
    suffix (or prefix) of the chain as a unit; a list asserts only its items.
    """
    sep = t.items[1]

    def same(c: SentTree) -> bool:
        return c.kind == TEMPLATE and _is_list(c.template) and c.template.items[1] == sep

    while same(children[-1]):
        children = children[:-1] + children[-1].children
    while same(children[0]):
        children = children[0].children + children[1:]
    n = (len(children) + 1) // 2
    return Template(tuple(x for k in range(n) for x in ((None,) if k == 0 else (sep, None)))), children


@dataclass
class _Entry:
    """A template prepared for anchoring."""

    template: Template
    score: float  # ln p(T)
    literals: tuple
    gaps: tuple  # gaps[a]: a placeholder lies between literal a and a + 1
    lead: bool
    trail: bool
    rank: int  # place in the set's (-count, text) order
    needs: frozenset  # the literals, all of which must occur in a piece


def _entry(t: Template, score: float, rank: int) -> _Entry:
    lits: list = []
    gaps: list = []
    prev_placeholder = False
    for x in t.items:
        if x is None:
            prev_placeholder = True
        else:
            if lits:
                gaps.append(prev_placeholder)
            lits.append(x)
            prev_placeholder = False
    return _Entry(t, score, tuple(lits), tuple(gaps), t.items[0] is None, t.items[-1] is None,
                  rank, frozenset(lits))


def _word_count(templates: TemplateSet, w: str) -> int:
    """How often ``w`` was seen, as far as the set tells: its one-word templates (0 for a hand-made set)."""
    counts = templates.counts
    return sum(counts.get(Template(items), 0) for items in ((None, w, None), (None, w), (w, None)))


class Parser:
    """Cover sentences with nested templates (see the module docstring).

    ``templates``: a :class:`TemplateSet`.  ``tokenize``: any callable
    ``str -> list[str]`` (needed only to parse strings).  ``penalty``: cost
    in nats of a token no template explains (default: the set's word
    entropy).  ``boundary``: cost of a joint between side-by-side parts.
    ``edges``: score match ends by the phrase-boundary chance.
    ``max_span``: longest match (tokens); ``max_piece``: longest piece
    parsed as one; ``max_anchors``: anchorings tried per template and start.
    ``trivial``: also use one-word templates such as ``[X]的[X]``.
    ``lists``: show nested chains of a punctuation list (``[X]，[X]``) as one flat list.
    ``binarize``: bracket runs of three or more bare words in two, where a
    phrase boundary is likeliest, recursively (``SentTree.inner``).
    """

    def __init__(self, templates: TemplateSet, tokenize: Callable | None = None,
                 penalty: float | None = None, boundary: float = math.log(2), edges: bool = True,
                 lists: bool = True, max_span: int = 64, max_piece: int = 256, max_anchors: int = 16,
                 trivial: bool = True, binarize: bool = True):
        if max_span < 2 or max_anchors < 1 or max_piece < max_span:
            raise ValueError("need max_span >= 2, max_anchors >= 1 and max_piece >= max_span")
        self.templates = templates
        self.tokenize = tokenize
        self.penalty = templates.entropy if penalty is None else float(penalty)
        self.boundary = float(boundary)
        self.edges = edges
        self.lists = lists
        self.binarize = binarize
        self.max_span = max_span
        self.max_piece = max_piece
        self.max_anchors = max_anchors
        self._rates: dict = {}
        self._sides: dict = {}
        # Templates by their rarest literal: a template can match only where that word occurs.
        # rank: the (-count, text) order, the fixed order ties follow.
        self.index: dict = {}
        freq: dict = {}
        for rank, (t, _) in enumerate(templates.most_common(trivial=trivial)):
            e = _entry(t, templates.logp(t), rank)
            for w in e.needs:
                if w not in freq:
                    freq[w] = _word_count(templates, w)
            self.index.setdefault(min(e.needs, key=lambda w: (freq[w], w)), []).append(e)

    def _edges(self, keys: list) -> list:
        """edge[i]: ln of the chance that a phrase boundary falls before token i.

        Estimated from where punctuation falls in the training text: after a
        word that closes phrases (n([X]w) / n(w)) or before one that opens
        them (n(w[X]) / n(w)).  At a mark or the ends of the piece it is 0.
        """
        if not self.edges:
            return [0.0] * (len(keys) + 1)
        n = len(keys)
        out = [0.0] * (n + 1)
        for i in range(1, n):
            a, b = keys[i - 1], keys[i]
            if is_mark(a) or is_mark(b):
                continue
            out[i] = math.log(min(1.0, self._rate(a, 0) + self._rate(b, 1)))
        return out

    def _rate(self, w: str, opens: int) -> float:
        key = (w, opens)
        r = self._rates.get(key)
        if r is None:
            ts = self.templates
            close, open_ = ts[Template((None, w))], ts[Template((w, None))]
            total = close + open_ + ts[Template((None, w, None))]
            # Laplace's rule of succession: an unseen word is as likely as not to border a phrase.
            r = ((open_ if opens else close) + 1) / (total + 2)
            self._rates[key] = r
        return r

    def side(self, word: str) -> str | None:
        """The side a literal attaches to (:meth:`TemplateSet.side`), cached."""
        if word not in self._sides:
            self._sides[word] = self.templates.side(word)
        return self._sides[word]

    # -- public ------------------------------------------------------------

    def parse(self, text: str) -> SentTree:
        """Tokenize ``text`` with ``tokenize`` and parse it; character offsets are into ``text``."""
        if self.tokenize is None:
            raise ValueError("this Parser has no tokenize; use parse_tokens()")
        tokens, starts = [], []
        pos = 0
        for t in self.tokenize(text):
            at = text.find(t, pos) if t else -1
            if at < 0:  # a tokenizer that rewrites its input: offsets as if the tokens were joined
                at = pos
            pos = at + len(t)
            if t and not t.isspace():
                tokens.append(t)
                starts.append(at)
        tree = self.parse_tokens(tokens)
        _set_chars(tree, starts, [a + len(t) for a, t in zip(starts, tokens)])
        return tree

    def parse_tokens(self, tokens: list) -> SentTree:
        """Parse a list of tokens; pieces after 。！？； are parsed separately.

        Character offsets (``char_start``/``char_end``) are into ``"".join(tokens)``.
        """
        tokens = list(tokens)
        tree = self._parse_tokens(tokens)
        ends = list(itertools.accumulate(len(t) for t in tokens))
        _set_chars(tree, [e - len(t) for e, t in zip(ends, tokens)], ends)
        return tree

    def _parse_tokens(self, tokens: list) -> SentTree:
        parts = []
        offset = 0
        for piece in pieces(tokens):
            chunks = []
            for chunk in self._chunks(piece):
                chunks.append(self._parse_piece(chunk, offset))
                offset += len(chunk)
            if len(chunks) == 1:
                parts.append(chunks[0])
            else:
                start = chunks[0].start
                parts.append(SentTree(SEQUENCE, start, offset, tokens[start:offset], children=chunks,
                                      score=sum(p.score for p in chunks)))
        if len(parts) == 1:
            return parts[0]
        return SentTree(SEQUENCE, 0, len(tokens), tokens, children=parts,
                        score=sum(p.score for p in parts))

    def _chunks(self, piece: list) -> list:
        """A piece longer than ``max_piece`` tokens, cut after its last mark that fits (else hard).

        The fallback for endless sentences: memory stays ``O(max_piece * max_span)``.
        """
        out = []
        m = self.max_piece
        while len(piece) > m:
            cut = m
            for k in range(m - 1, m // 2 - 1, -1):
                if is_mark(piece[k]):
                    cut = k + 1
                    break
            out.append(piece[:cut])
            piece = piece[cut:]
        out.append(piece)
        return out

    # -- the chart ---------------------------------------------------------

    def _anchors(self, toks: list) -> list:
        """Every anchored template match in ``toks``: (p1, pk, lead, trail, entry, positions)."""
        where: dict = {}
        for p, w in enumerate(toks):
            where.setdefault(w, []).append(p)
        cands = [e for w in where for e in self.index.get(w, ()) if all(x in where for x in e.needs)]
        cands.sort(key=lambda e: e.rank)
        out: list = []
        for e in cands:
            for p1 in where[e.literals[0]]:
                self._anchor(e, p1, toks, where, out)
        out.sort(key=lambda a: (a[0], a[4].rank))  # stable: by start, then template, as ties expect
        return out

    def _anchor(self, e: _Entry, p1: int, toks: list, where: dict, out: list) -> None:
        """Up to ``max_anchors`` placings of ``e``'s literals with the first at ``p1``, depth first."""
        room = self.max_span - e.lead - e.trail  # the literals' core must leave room for outer placeholders
        lits, gaps = e.literals, e.gaps
        found = 0
        stack = [(p1,)]
        while stack and found < self.max_anchors:
            pos = stack.pop()
            a = len(pos)
            if a == len(lits):
                pk = pos[-1]
                if (e.lead and p1 == 0) or (e.trail and pk == len(toks) - 1):
                    continue
                out.append((p1, pk, e.lead, e.trail, e, pos))
                found += 1
                continue
            prev = pos[-1]
            if not gaps[a - 1]:
                q = prev + 1
                if q < len(toks) and toks[q] == lits[a] and q - p1 < room:
                    stack.append(pos + (q,))
                continue
            ps = where.get(lits[a], ())
            lo = bisect_left(ps, prev + 2)
            hi = bisect_right(ps, p1 + room - 1)
            stack.extend(pos + (q,) for q in reversed(ps[lo:hi]))

    def _parse_piece(self, toks: list, offset: int) -> SentTree:
        return _Chart(self, toks, offset).tree()


class _Chart:
    """The dynamic programme over one piece of ``n`` tokens.

    A span ``(i, j)`` holds tokens ``i..j-1``; row ``i`` of a table is
    indexed by the length ``j - i`` (row 0 runs to ``n``, the chain over the
    whole piece; the others to ``max_span``).  With ``c`` the cost of a bare
    token, ``b`` the cost of a joint, ``s(T) = ln p(T)`` and ``edge(i)`` the
    log chance of a phrase boundary before token ``i``:

        seqB(i, j) = max(seqB(i, j-1), seqN(i, j-1) - b) - c       the last part is a bare token
        seqN(i, j) = max( node(i, j),
                          max over i < k < j of seq(i, k) + node(k, j) - b )   the last part is a match
        seq(i, j)  = max(seqB(i, j), seqN(i, j));   seq(i, i) = seqN(i, i) = 0

    A match's literals sit at ``p1 < ... < pk`` (an *anchoring*, step 1); its core is

        core(p1, pk) = s(T) + Σ seq(p + 1, q)   over consecutive literals p, q with a gap between,

    the best over templates and anchorings, kept apart by whether the
    template has a leading placeholder (and a trailing one, ``t``).  Then

        ext(i, pk, t) = core(i, pk, t)   (no leading placeholder), or
                        max over p1 > i of seq(i, p1) + core(p1, pk, t)
        node(i, j)    = edge(i) + edge(j) + max( ext(i, j-1, 0),
                                                max over q < j-1 of ext(i, q, 1) + seq(q + 1, j) )

    Spans are filled by increasing length (step 2, :meth:`fill`: cores,
    then matches, then tilings); the best tree is read back from the
    back-pointers (step 3, :meth:`tree`).  Ties keep the first candidate met.
    """

    def __init__(self, parser: Parser, toks: list, offset: int):
        self.parser = parser
        self.toks = toks
        self.offset = offset
        self.keys = symbol_forms(toks)  # what literals match (digit/Latin runs as classes)
        n = self.n = len(toks)
        self.L = min(parser.max_span, n)
        self.edge = parser._edges(self.keys)
        width = [(n if i == 0 else min(self.L, n - i)) + 1 for i in range(n)] + [1]
        # seqB/seqN: best tiling ending with a bare token / with a match.
        self.seqB = [[NEG] * w for w in width]
        self.seqN = [[NEG] * w for w in width]
        self.seq = [[NEG] * w for w in width]
        for i in range(n + 1):
            self.seqN[i][0] = self.seq[i][0] = 0.0
        self.node = [[NEG] * w for w in width]
        self.bpB: dict = {}
        self.bpN: dict = {}
        self.node_bp: dict = {}
        self.core0: dict = {}  # (p1, pk, trail) -> (value, anchor): no leading placeholder
        self.core1: dict = {}  # (pk, trail) -> [(p1, value, anchor)]: with a leading placeholder
        self.ext: dict = {}  # (i, pk, trail) -> (value, p1, anchor): a match from i, literals ending at pk
        self.ext_trail: list = [[] for _ in range(n + 1)]  # i -> pks with ext(i, pk, 1)
        self.starts: list = [[] for _ in range(n + 1)]  # j -> starts k of finite node(k, j), ascending
        self.by_len: dict = {}
        self.fill()

    # -- step 1 and 2: anchoring and filling --------------------------------

    def fill(self) -> None:
        """Anchor the templates, then fill cores, matches and tilings by increasing span length."""
        for a in self.parser._anchors(self.keys):
            self.by_len.setdefault(a[1] - a[0] + 1, []).append(a)
        n = self.n
        for length in range(1, self.L + 1):
            self._cores(length)
            new_nodes = [(i + length, i) for i in range(0, n - length + 1) if self._match(i, i + length)]
            for j, i in new_nodes:  # longer matches are found later: starts[j] stays ascending
                self.starts[j].insert(0, i)
            for i in range(0, n - length + 1):
                self._tile(i, i + length)
        for j in range(self.L + 1, n + 1):  # the whole piece: row 0 goes on as a chain
            self._tile(0, j)

    def _cores(self, length: int) -> None:
        """core(p1, pk) of the anchorings whose literals span ``length`` tokens."""
        seq, core0 = self.seq, self.core0
        best1: dict = {}
        for a in self.by_len.get(length, ()):
            p1, pk, lead, trail, e, pos = a
            v = e.score
            for x, y in zip(pos, pos[1:]):
                if y > x + 1:
                    v += seq[x + 1][y - x - 1]
            if lead:
                key = (pk, trail, p1)
                if key not in best1 or v > best1[key][0]:
                    best1[key] = (v, a)
            else:
                key = (p1, pk, trail)
                if key not in core0 or v > core0[key][0]:
                    core0[key] = (v, a)
        for (pk, trail, p1), (v, a) in sorted(best1.items(), key=lambda kv: kv[0]):
            self.core1.setdefault((pk, trail), []).append((p1, v, a))

    def _match(self, i: int, j: int) -> bool:
        """ext(i, j-1, t) and node(i, j); true if some match covers exactly ``i..j``."""
        seq, ext = self.seq, self.ext
        pk = j - 1
        for t in (0, 1):
            best = self.core0.get((i, pk, t))
            best = (best[0], i, best[1]) if best else None
            for p1, v, a in self.core1.get((pk, t), ()):
                if p1 > i:
                    v += seq[i][p1 - i]
                    if best is None or v > best[0]:
                        best = (v, p1, a)
            if best is not None:
                ext[(i, pk, t)] = best
                if t:
                    self.ext_trail[i].append(pk)
        best_v, best_bp = NEG, None
        x = ext.get((i, pk, 0))
        if x is not None:
            best_v, best_bp = x[0], (pk, 0)
        for q in self.ext_trail[i]:
            if q < pk:
                v = ext[(i, q, 1)][0] + seq[q + 1][j - q - 1]
                if v > best_v:
                    best_v, best_bp = v, (q, 1)
        if best_bp is None:
            return False
        self.node[i][j - i] = best_v + (self.edge[i] + self.edge[j])
        self.node_bp[(i, j)] = best_bp
        return True

    def _tile(self, i: int, j: int) -> None:
        """seqB/seqN(i, j) from shorter spans."""
        seqB, seqN, node = self.seqB, self.seqN, self.node
        c, bnd = self.parser.penalty, self.parser.boundary
        length = j - i
        if length == 1:
            vB, sB = -c, None
        else:
            b, m = seqB[i][length - 1], seqN[i][length - 1] - bnd
            vB, sB = (m - c, "N") if m > b else (b - c, "B")
        vN, sN = NEG, None
        for k in self.starts[j]:
            if k < i:
                continue
            if k == i:
                v, prev = node[i][length], None
            else:
                b, m = seqB[i][k - i], seqN[i][k - i]
                v, prev = (m, "N") if m > b else (b, "B")
                v += node[k][j - k] - bnd
            if v > vN:
                vN, sN = v, (k, prev)
        seqB[i][length], seqN[i][length] = vB, vN
        self.seq[i][length] = vN if vN >= vB else vB
        if sB is not None:
            self.bpB[(i, j)] = sB
        if sN is not None:
            self.bpN[(i, j)] = sN

    # -- step 3: backtracking ---------------------------------------------

    def tree(self) -> SentTree:
        """The best parse of the piece, read back from the back-pointers."""
        tree = self._build_seq(0, self.n)
        if self.parser.binarize:
            for t in tree.walk():
                if t.kind == WORDS and t.end - t.start > 2:
                    t.inner = self._bracket(t.start - self.offset, t.end - self.offset)
        return tree

    def _bracket(self, i: int, j: int) -> list:
        """Binary bracketing of the bare run ``i..j``: split where a phrase boundary is likeliest.

        ``edge(k)``, the chance of a boundary before token ``k``, is read off
        punctuation in raw text (:meth:`Parser._edges`); the run splits at
        its largest (the leftmost of equals), then each side again.
        Measured by ``benchmarks/structure_ud.py`` (the README has the figures).
        """
        edge, offset = self.edge, self.offset
        out: list = []
        stack = [(i, j)]
        while stack:
            s, e = stack.pop()
            k = max(range(s + 1, e), key=lambda m: (edge[m], -m))
            for a, b in ((s, k), (k, e)):
                if b - a > 1:
                    out.append((offset + a, offset + b))
                    stack.append((a, b))
        return sorted(out)

    def _build_seq(self, i: int, j: int) -> SentTree:
        """The best tiling of ``i..j``: matches and runs of bare words, side by side."""
        toks, offset, c = self.toks, self.offset, self.parser.penalty
        end = j
        state = "N" if self.seqN[i][j - i] >= self.seqB[i][j - i] else "B"
        parts: list = []
        while j > i:
            if state == "B":
                state = self.bpB.get((i, j))
                if parts and parts[-1].kind == WORDS and parts[-1].start == offset + j:
                    w = parts[-1]
                    w.start -= 1
                    w.tokens.insert(0, toks[j - 1])
                    w.score -= c
                else:
                    parts.append(SentTree(WORDS, offset + j - 1, offset + j, [toks[j - 1]], score=-c))
                j -= 1
            else:
                k, state = self.bpN[(i, j)]
                parts.append(self._build_node(k, j))
                j = k
        parts.reverse()
        if len(parts) == 1:
            return parts[0]
        return SentTree(SEQUENCE, offset + i, offset + end, toks[i:end], children=parts,
                        score=self.seq[i][end - i])

    def _build_node(self, i: int, j: int) -> SentTree:
        """The best match covering exactly ``i..j``, its placeholders filled by :meth:`_build_seq`."""
        toks, offset = self.toks, self.offset
        pk, t = self.node_bp[(i, j)]
        _, p1, a = self.ext[(i, pk, t)]
        _, _, lead, trail, e, pos = a
        children = []
        if lead:
            children.append(self._build_seq(i, p1))
        for k, p in enumerate(pos):
            if k and p > pos[k - 1] + 1:
                children.append(self._build_seq(pos[k - 1] + 1, p))
            children.append(SentTree(LITERAL, offset + p, offset + p + 1, [toks[p]],
                                     attach=self.parser.side(self.keys[p])))
        if trail:
            children.append(self._build_seq(pk + 1, j))
        template = e.template
        if self.parser.lists and _is_list(template):
            template, children = _flatten_list(template, children)
        return SentTree(TEMPLATE, offset + i, offset + j, toks[i:j], template=template,
                        children=children, score=self.node[i][j - i])
