"""Character classes and chunking (docs/design.md §3).

Every stage sees text the same way:

* **Han** characters (all CJK ideograph blocks, plus 〇 and the look-alike ○
  that Chinese text uses for zero in numerals such as 二○○一年) form runs;
  statistics are gathered inside runs and never across them.
* **Alphanumeric runs** -- Latin letters and digits, half- or full-width, with
  decimal parts (``3.5``) and a trailing per-cent sign after digits (``25％``)
  -- are atomic.  For statistics each run is replaced by one *class symbol*:
  ``NUM`` when it is a number, ``LAT`` otherwise, so that patterns such as
  NUM+年 can be learned while ``iPhone8`` or ``6888`` are never cut.
* **Whitespace runs** and **every other character** (punctuation, symbols,
  controls, emoji) are hard boundaries and become tokens of their own; the
  ellipsis ``……`` and the dash ``——``, one mark written with two characters,
  stay whole.

A *block* is a maximal run of Han characters and alphanumeric runs: the unit
that statistics are counted in and that the tokenizer segments.  In its
*symbol form* every alphanumeric run is one class symbol, so each symbol
position corresponds to exactly one original span.

>>> stat_chunks('iPhone8售价6888元，好') == ['\\ue001售价\\ue000元', '好']
True
>>> [symbolize(b) for b in BLOCK_RE.findall('1998年1月，iPhone8售价')] == ['\\ue000年\\ue000月', '\\ue001售价']
True
"""

from __future__ import annotations

import re
from typing import Iterator

# Kinds of segment (see segments()).
HAN = 0
ALNUM = 1
SPACE = 2
OTHER = 3

# Class symbols (Unicode private use) that stand for alphanumeric runs in the
# statistics.  Literal private-use characters in the input are OTHER, so they
# can never be mistaken for these.
NUM = "\ue000"
LAT = "\ue001"
CLASS_SYMBOLS = NUM + LAT
# How class symbols are written in files that people read (lexicons, TSVs).
CLASS_NAMES = {NUM: "<NUM>", LAT: "<LAT>"}

HAN_CLASS = (
    "\u3007\u25cb"  # 〇 and ○ (used as zero in numerals)
    "\u3400-\u4dbf"  # Extension A
    "\u4e00-\u9fff"  # Unified Ideographs
    "\uf900-\ufaff"  # Compatibility Ideographs
    "\U00020000-\U0002a6df"  # Extension B
    "\U0002a700-\U0002ebef"  # Extensions C-F, I
    "\U0002f800-\U0002fa1f"  # Compatibility Supplement
    "\U00030000-\U000323af"  # Extensions G-H
)
#: Digits and Latin letters (half- and full-width), as regex character-class ranges.
DIGIT = "0-9\uff10-\uff19"
LETTER = "A-Za-z\uff21-\uff3a\uff41-\uff5a"
_ALNUM_RUN = (
    f"[{DIGIT}{LETTER}]+"
    f"(?:[.\uff0e][{DIGIT}]+)*"  # decimal parts: 3.5, 1.2.3
    f"(?:(?<=[{DIGIT}])[%\uff05])?"  # 25%, 25％
)
# Any other character is a token of its own, except that the ellipsis …… and
# the dash —— (one punctuation mark each, written with two characters) stay whole.
OTHER_TOKEN = "\u2026+|[\u2014\u2015]+|."
#: One alphanumeric run.
ALNUM_RE = re.compile(_ALNUM_RUN)
_HAS_LETTER_RE = re.compile(f"[{LETTER}]")
#: One block: a maximal run of Han characters and alphanumeric runs.
BLOCK_RE = re.compile(f"(?:[{HAN_CLASS}]|{_ALNUM_RUN})+")
_STAT_CHUNK_RE = re.compile(f"[{HAN_CLASS}{CLASS_SYMBOLS}]+")
_SEGMENT_RE = re.compile(f"([{HAN_CLASS}]+)|({_ALNUM_RUN})|(\\s+)|({OTHER_TOKEN})", re.DOTALL)


def segments(text: str) -> Iterator[tuple[int, int, int]]:
    """Yield ``(kind, start, end)`` for consecutive pieces covering ``text``.

    Han runs and alphanumeric runs come whole; each whitespace run is one
    piece; every other character is a piece of its own.  The pieces tile the
    string exactly.  (The exports use it to describe the chunking to other tools.)

    >>> [(kind, 'iPhone8售价6888元，好'[s:e]) for kind, s, e in segments('iPhone8售价6888元，好')]
    [(1, 'iPhone8'), (0, '售价'), (1, '6888'), (0, '元'), (3, '，'), (0, '好')]
    """
    for m in _SEGMENT_RE.finditer(text):
        yield m.lastindex - 1, m.start(), m.end()


def is_han(ch: str) -> bool:
    """True for a single Han character (as chunking defines it)."""
    return _STAT_CHUNK_RE.fullmatch(ch) is not None and ch not in CLASS_SYMBOLS


def alnum_class(run: str) -> str:
    """The class symbol of an alphanumeric run: NUM for numbers, LAT otherwise."""
    return LAT if _HAS_LETTER_RE.search(run) else NUM


def _class_of_match(m: re.Match) -> str:
    return alnum_class(m.group())


def symbolize(block: str) -> str:
    """Replace each alphanumeric run of ``block`` by its class symbol."""
    return ALNUM_RE.sub(_class_of_match, block)


def unit_spans(block: str) -> list[tuple[int, int]]:
    """Spans of the units of a block: one per Han character, one per alnum run.

    ``len(unit_spans(b)) == len(symbolize(b))`` and unit ``i`` of the block is
    the original text of symbol ``i``.
    """
    spans = []
    pos = 0
    for m in ALNUM_RE.finditer(block):
        s, e = m.span()
        spans.extend((i, i + 1) for i in range(pos, s))
        spans.append((s, e))
        pos = e
    spans.extend((i, i + 1) for i in range(pos, len(block)))
    return spans


def stat_chunks(text: str) -> list[str]:
    """The blocks of ``text`` in symbol form: what statistics are counted over.

    >>> stat_chunks('第3条 为了规范口岸开放，提高效率。')
    ['第\\ue000条', '为了规范口岸开放', '提高效率']
    """
    if NUM in text or LAT in text:  # literal private-use input: a boundary
        text = text.replace(NUM, " ").replace(LAT, " ")
    return _STAT_CHUNK_RE.findall(ALNUM_RE.sub(_class_of_match, text))


def readable(word: str) -> str:
    """Write class symbols as ``<NUM>``/``<LAT>`` for files people read."""
    if NUM in word or LAT in word:
        for sym, name in CLASS_NAMES.items():
            word = word.replace(sym, name)
    return word


def from_readable(word: str) -> str:
    """Inverse of :func:`readable`."""
    if "<" in word:
        for sym, name in CLASS_NAMES.items():
            word = word.replace(name, sym)
    return word
