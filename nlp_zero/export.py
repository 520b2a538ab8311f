"""Exports of a lexicon to the files real tokenizer tools load.

* :func:`save_hf_tokenizer` writes a Hugging Face ``tokenizer.json``: a
  *Unigram* model whose vocabulary is ``[piece, log-probability]`` pairs, a
  normaliser that reads Latin/digit runs by class, as nlp_zero does, and a
  *Split* pre-tokenizer whose regex is nlp_zero's own chunking;
* :func:`save_sentencepiece` writes a sentencepiece ``.model`` (a
  ``ModelProto``, serialised here in protobuf's wire format with the standard
  library, with a character map that reads runs by class) and the matching
  ``.vocab`` (``piece<TAB>score`` per line).

Why the segmentations agree with :class:`~nlp_zero.Tokenizer`: both tools
segment with a unigram Viterbi that maximises ``Σ score(piece)``, and
nlp_zero's tokenizer minimises ``Σ (ln N - ln n(w))`` (docs/design.md §2).  With ``score(w) = ln n(w) - ln N`` the two
objectives are the same.  What remains to make equal:

* **Unknown characters.**  nlp_zero gives a unit the lexicon lacks the cost of
  a word seen once, ``ln N``; the tools give an unknown character the lowest
  score minus 10 and fuse runs of unknowns into one token.  So every Han
  character of the Basic Multilingual Plane (〇, ○, Extension A, the Unified and
  Compatibility Ideographs) and every character of a kept word is a piece; those
  that are not words score ``-ln N``, exactly nlp_zero's unknown cost.  Common
  punctuation is a piece too (with the same score; it always stands alone), and
  so are runs of …… and —— up to 16 long.  A Han character beyond the BMP
  that no word holds stays unknown to the tools, which fuse it with an
  unknown neighbour into one token.
* **Chunking.**  The HF pre-tokenizer's regex is built from
  :mod:`nlp_zero.text`: blocks of Han characters and Latin/digit runs,
  whitespace runs, …… and ——, every other character alone.  sentencepiece has
  no pre-tokenizer, but no piece crosses from a Han character to punctuation
  or space, so its Viterbi splits there anyway (it gives each space a token
  of its own, ▁, where nlp_zero gives a whitespace run one).
* **Class entries.**  nlp_zero reads a Latin/digit run as one class symbol, so
  a lexicon word ``<NUM>年`` matches ``1998年``.  The HF normaliser rewrites
  the text one character for one (offsets stay exact): a run's first
  character becomes its class symbol, the others a continuation mark
  (``_CLASS_STEPS``, seven regex replacements that reproduce
  ``text._ALNUM_RUN`` exactly, a test checks them on random strings), and the
  vocabulary spells each class word for every run length up to
  :data:`MAX_RUN`.  A run is then one token whose text is the class spelling
  (its offsets give the original), as in nlp_zero; a longer run is cut.
  sentencepiece's normaliser is a fixed character map applied by longest
  match (:func:`_charsmap`, a darts-clone trie written here): every digit
  becomes one mark, every letter another, one for one, and a decimal point or
  per-cent sign after a digit a digit mark.  It cannot see where a run starts,
  so the vocabulary spells a NUM run as digit marks (up to :data:`MAX_RUN`),
  a LAT run as letters then digits or digits then letters (up to 16; alone,
  any mixture up to 8), and each piece loses :data:`RUN_PENALTY` per run it
  holds, so that a route cutting a run never wins.  What it cannot reproduce:
  a run that starts where another ends (``3.5kg``, ``5%5``), a decimal part
  after a letter or a second one (``a.5``, ``1.2.3``), a class word whose
  Latin run mixes letters and digits otherwise.
  :attr:`Vocabulary.left_out` counts the words left out: words with non-Han
  characters other than runs, which nlp_zero can never produce either.
* **Ties and precision.**  nlp_zero breaks an exact tie towards the longer
  *first* word, both tools towards the longer *last* word; sentencepiece keeps
  scores and path sums in 32-bit floats.  Both are rare
  (``benchmarks/export_agreement.py`` measures the agreement).

The total ``N`` is the lexicon's whole total (left-out words included), so
the scores of the kept words are exactly those nlp_zero uses.  Files are
byte-identical for the same lexicon.

>>> vocab = vocabulary(Lexicon({'中国': 3, '人民': 2, '\\ue000年': 2, 'T恤': 1}))
>>> [(p, round(s, 3)) for p, s in vocab.pieces[:3]], vocab.left_out
([('中国', -0.981), ('人民', -1.386), ('!', -2.079)], {'class': 2})
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import struct
from dataclasses import dataclass, field

from .fileio import atomic_write
from .lexicon import Lexicon
from .text import ALNUM_RE, DIGIT, HAN_CLASS, LAT, LETTER, NUM, OTHER_TOKEN, is_han, readable

#: The special pieces, at ids 0, 1, 2 in both exports (sentencepiece's defaults).
UNK, BOS, EOS = "<unk>", "<s>", "</s>"

# Every Han character of the Basic Multilingual Plane is a piece (see the module docstring).
_BMP_HAN = [("\u3007", "\u3007"), ("\u25cb", "\u25cb"), ("\u3400", "\u4dbf"), ("\u4e00", "\u9fff"),
            ("\uf900", "\ufaff")]
# Punctuation and symbols that are pieces: ASCII, general punctuation, CJK
# symbols and punctuation, full-width forms (letters and digits are not).
_MARKS = [("!", "/"), (":", "@"), ("[", "`"), ("{", "~"), ("\u2010", "\u2027"), ("\u2030", "\u205e"),
          ("\u3001", "\u3006"), ("\u3008", "\u303f"), ("\uff01", "\uff0f"), ("\uff1a", "\uff20"),
          ("\uff3b", "\uff40"), ("\uff5b", "\uff65")]
# Runs of the marks nlp_zero keeps whole (text.OTHER_TOKEN: …… ——), up to 16 long.
_MARK_PAIRS = [c * k for c in "\u2026\u2014\u2015" for k in range(2, 17)]

# The characters Python's re counts as whitespace (str.isspace), written out
# because the tools' regex engine (Oniguruma) has a narrower \s.
WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

# The HF tokenizer reads a Latin/digit run as nlp_zero does, by class.  Its
# normaliser rewrites the text one character for one (so offsets stay exact):
# the first character of a run becomes its class symbol (NUM or LAT) and the
# others RUN_MORE; a run of k characters is then matched by the pieces
# NUM + RUN_MORE * (k - 1), and a class word <NUM>年 by NUM + RUN_MORE * j + 年
# for every j below MAX_RUN.  Literal private-use characters, which nlp_zero
# reads as punctuation, become PRIVATE first.
PRIVATE, RUN_MORE = "\ue002", "\ue003"
_P_DIGIT, _RUN_DOT, _RUN_PCT = "\ue004", "\ue005", "\ue006"  # marks used on the way
#: Longest run (characters) matched whole in the HF export; 8 per run in a word with two runs or more.
MAX_RUN = 32
_D, _L = DIGIT, LETTER
_CLASS_STEPS = [  # (regex, replacement), in order; see text._ALNUM_RUN for the runs they reproduce
    ("[\ue000-\ue00f]", PRIVATE),
    (f"(?<=[{_D}{_L}][.\uff0e][{_D}]*)[{_D}]", _P_DIGIT),  # digits of a decimal part
    (f"[.\uff0e](?={_P_DIGIT})", _RUN_DOT),  # its point
    (f"(?<=[{_D}{_P_DIGIT}])[%\uff05]", _RUN_PCT),  # a per-cent sign after a digit
    (f"(?<![{_D}{_L}])(?=[{_D}{_L}]*[{_L}])[{_D}{_L}]", LAT),  # a run that starts a letter stretch
    (f"(?<![{_D}{_L}{LAT}])[{_D}]", NUM),  # a run that starts a digit stretch
    (f"[{_D}{_L}{_P_DIGIT}{_RUN_DOT}{_RUN_PCT}]", RUN_MORE),  # the rest of every run
]
#: The pre-tokens of the normalised text: blocks (Han and runs), whitespace runs, other marks.
BLOCK_PATTERN = f"[{HAN_CLASS}{NUM}{LAT}{RUN_MORE}]+|[{WHITESPACE}]+|{OTHER_TOKEN}"


def _chars(ranges: list[tuple[str, str]]) -> list[str]:
    return [chr(c) for a, b in ranges for c in range(ord(a), ord(b) + 1)]


@dataclass
class Vocabulary:
    """What an export holds: ``(piece, log-probability)`` pairs, the total N, what was left out."""

    pieces: list[tuple[str, float]]
    total: int
    #: reason ("class": holds a class symbol, letter or digit; "other": another non-Han character) -> words
    left_out: dict[str, int] = field(default_factory=dict)


def vocabulary(lexicon: Lexicon, classes: str | None = None) -> Vocabulary:
    """The pieces of an export: the lexicon's words, then single characters.

    ``score(w) = ln n(w) - ln N`` for a word with a count (words counted 0 are
    "never a word" and left out); a single unit that is no word scores
    ``-ln N``, nlp_zero's cost of an unknown unit.  Without ``classes`` only
    words of Han characters are kept; with ``classes`` ("hf" or
    "sentencepiece") a word is keyed as nlp_zero's tokenizer keys it (``A股``
    as ``<LAT>股``, counts of words with one key summed) and each class symbol
    is spelt out as the tool's normaliser writes runs (``_hf_spellings``,
    ``_sp_spellings``).  Words come in the lexicon's order, then the added
    characters by code point.
    """
    from .tokenizer import _symbol_counts

    total = lexicon.total
    log_total = math.log(total) if total > 0 else 0.0
    unknown = -log_total
    pieces: list[tuple[str, float]] = []
    seen: set[str] = set()
    left_out: dict[str, int] = {}
    chars: set[str] = set()
    spell = {"hf": _hf_spellings, "sentencepiece": _sp_spellings, None: lambda word: [word]}[classes]
    if classes:
        keyed, _ = _symbol_counts(lexicon.counts(), trusted=True)
        counts = {k: keyed[k] for k in sorted(keyed, key=lambda k: (-keyed[k], readable(k)))}
    else:
        counts = lexicon.counts()
    for word, count in counts.items():
        units = [c for c in word if c not in (NUM, LAT)] if classes else word
        if not all(map(is_han, units)):
            reason = "class" if (ALNUM_RE.search(word) or NUM in word or LAT in word) else "other"
            left_out[reason] = left_out.get(reason, 0) + 1
            continue
        if len(word) == 1 and word in (NUM, LAT):
            continue  # added below with every run length
        chars.update(units)
        if count > 0:
            score = math.log(count) - log_total  # the float nlp_zero's cost negates
            for spelt in spell(word):
                pieces.append((spelt, score))
            seen.add(word)
    if classes:
        for symbol in (NUM, LAT):
            count = counts.get(symbol, 0)
            score = math.log(count) - log_total if count > 0 else unknown  # a unit: never inf
            pieces.extend((spelt, score) for spelt in spell(symbol))
    extra = chars.union(_chars(_BMP_HAN), _chars(_MARKS), _MARK_PAIRS, [PRIVATE] if classes else []).difference(seen)
    pieces.extend((ch, unknown) for ch in sorted(extra))
    return Vocabulary(pieces, total, dict(sorted(left_out.items())))


def _hf_spellings(word: str) -> list[str]:
    """``word`` with each class symbol followed by 0, 1, ... RUN_MORE marks (one symbol: up to MAX_RUN characters)."""
    runs = sum(word.count(c) for c in (NUM, LAT))
    if not runs:
        return [word]
    longest = MAX_RUN if runs == 1 else 8
    parts = [[c + RUN_MORE * j for j in range(longest)] if c in (NUM, LAT) else [c] for c in word]
    return ["".join(p) for p in itertools.product(*parts)]


def _sp_spellings(word: str) -> list[str]:
    """``word`` with each class symbol written as sentencepiece's character map writes a run.

    A NUM run is SP_DIGIT × k (k up to MAX_RUN); a LAT run is letters then
    digits or digits then letters (SP_LETTER^a SP_DIGIT^b, a ≥ 1, or
    SP_DIGIT^a SP_LETTER^b, a, b ≥ 1), up to 16 characters.  In a word with
    two runs or more, each is up to 8 (NUM) or 4 (LAT) characters.
    """
    runs = sum(word.count(c) for c in (NUM, LAT))
    if not runs:
        return [word]
    num_max, lat_max = (MAX_RUN, 16) if runs == 1 else (8, 4)
    nums = [SP_DIGIT * k for k in range(1, num_max + 1)]
    lats = [SP_LETTER * a + SP_DIGIT * b for a in range(1, lat_max + 1) for b in range(lat_max + 1 - a)]
    lats += [SP_DIGIT * a + SP_LETTER * b for a in range(1, lat_max) for b in range(1, lat_max + 1 - a)]
    if word == LAT:  # a run alone: any mixture up to 8 characters too (AM21B)
        mixed = ("".join(p) for k in range(3, 9) for p in itertools.product((SP_DIGIT, SP_LETTER), repeat=k))
        lats += sorted(set(m for m in mixed if SP_LETTER in m).difference(lats))
    parts = [nums if c == NUM else lats if c == LAT else [c] for c in word]
    return ["".join(p) for p in itertools.product(*parts)]


# --------------------------------------------------------------------------
# Hugging Face tokenizers


def hf_tokenizer(lexicon: Lexicon) -> dict:
    """The ``tokenizer.json`` document of a Unigram model over the lexicon (a plain dict)."""
    vocab = vocabulary(lexicon, classes="hf")
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Replace", "pattern": {"Regex": pattern}, "content": content}
            for pattern, content in _CLASS_STEPS]},
        "pre_tokenizer": {"type": "Split", "pattern": {"Regex": BLOCK_PATTERN},
                          "behavior": "Isolated", "invert": False},
        "post_processor": None,
        "decoder": {"type": "Fuse"},  # tokens join without spaces: Chinese has none
        "model": {"type": "Unigram", "unk_id": 0,
                  "vocab": [[UNK, 0.0], [BOS, 0.0], [EOS, 0.0]] + [[p, s] for p, s in vocab.pieces],
                  "byte_fallback": False},
    }


def save_hf_tokenizer(lexicon: Lexicon, path: str | os.PathLike) -> Vocabulary:
    """Write ``tokenizer.json`` for HF ``tokenizers`` atomically; returns the vocabulary written.

    One vocabulary entry a line, so that the file reads and diffs well.
    Load it with ``tokenizers.Tokenizer.from_file(path)`` (or
    ``transformers.PreTrainedTokenizerFast(tokenizer_file=path)``).
    """
    doc = hf_tokenizer(lexicon)
    entries = doc["model"].pop("vocab")
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    rows = ",\n".join("      " + json.dumps(e, ensure_ascii=False) for e in entries)
    text = text.replace('"unk_id": 0,', '"unk_id": 0,\n    "vocab": [\n' + rows + "\n    ],", 1)
    with atomic_write(os.fspath(path)) as f:
        f.write(text + "\n")
    return vocabulary(lexicon, classes="hf")


# --------------------------------------------------------------------------
# sentencepiece: ModelProto in protobuf's wire format (sentencepiece_model.proto)

# Piece types (ModelProto.SentencePiece.Type) and the one model type used.
_NORMAL, _UNKNOWN, _CONTROL = 1, 2, 3
#: How the sentencepiece export's character map writes digits and Latin letters (see _charsmap).
SP_DIGIT, SP_LETTER = "\ue007", "\ue008"
#: Subtracted from a sentencepiece piece's score for each run it holds.  Every
#: route that keeps runs whole holds each run once, so the penalty is the same
#: for all of them and changes no choice among them; a route that cuts a run
#: (which the character map cannot forbid: it writes every digit alike) holds
#: one more run and loses by far more than any saving (word costs are a few nats).
RUN_PENALTY = 100.0
_SP_RUN_RE = re.compile("[\ue007\ue008]+")
_UNIGRAM = 1
#: sentencepiece writes a space in a piece as this mark (escape_whitespaces)
SPACE_MARK = "\u2581"


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # a negative int32 is ten bytes, two's complement
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _int(field: int, n: int) -> bytes:  # varint fields: int32, bool, enum
    return _varint(field << 3) + _varint(int(n))


def _float(field: int, x: float) -> bytes:
    return _varint(field << 3 | 5) + struct.pack("<f", x)


def _bytes(field: int, data: bytes | str) -> bytes:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _double_array(entries: dict[bytes, int]) -> bytes:
    """A darts-clone double array (the trie format of sentencepiece's character map) of ``key -> value``.

    Each unit is 32 bits: a node holds its label (low 8 bits), a flag for a
    value below it (bit 8) and the XOR offset from its position to its
    children's base (bits 10-31, shifted by 8 when bit 9 is set); a child with
    label c sits at ``base ^ c``, and the value sits at ``base`` itself with
    the top bit set.  Bases are found first-fit and never shared, so a lookup
    never lands on another node's child with the same label.
    """
    root: dict = {}
    for key, value in sorted(entries.items()):
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[-1] = value
    units: dict[int, int] = {0: 0}
    bases: set[int] = set()
    free = 1
    queue = [(root, 0, 0)]  # node, position, label
    for node, pos, label in queue:  # breadth first
        labels = sorted(k for k in node if k != -1)
        kids = ([0] if -1 in node else []) + labels
        if not kids:
            units[pos] = label
            continue
        q = free
        while True:
            if q not in units:
                base = q ^ kids[0]
                offset = pos ^ base
                if (base and base not in bases and all(base ^ c not in units and base ^ c for c in kids)
                        and (offset < 1 << 21 or (offset % 256 == 0 and offset < 1 << 29))):
                    break
            q += 1
        bases.add(base)
        code = offset << 10 if offset < 1 << 21 else (offset >> 8) << 10 | 1 << 9
        units[pos] = code | (1 << 8 if -1 in node else 0) | label
        if -1 in node:
            units[base] = node[-1] | 1 << 31
        for c in labels:
            units[base ^ c] = 0  # taken; filled in when its node is visited
            queue.append((node[c], base ^ c, c))
        while free in units:
            free += 1
    size = (max(max(units), max(bases, default=0) | 0xFF) + 256) // 256 * 256
    array = [0] * size
    for pos, unit in units.items():
        array[pos] = unit
    return struct.pack(f"<{size}I", *array)


def _charsmap() -> bytes:
    """sentencepiece's ``precompiled_charsmap``: how the export's normaliser rewrites text.

    A fixed map, applied by longest match: every digit becomes SP_DIGIT and
    every Latin letter SP_LETTER (one character for one, so offsets stay
    exact); a decimal point or per-cent sign after a digit is written as a
    digit (``3.5``, ``25%``, ``1.5%``); literal private-use characters become
    PRIVATE.  It cannot see what precedes a match, so a run that starts where
    another ends (``3.5kg``, ``5%5``) reads as one run, and a decimal part
    after a letter (``a.5``) or a second one (``1.2.3``) as a new run.
    """
    digits = [chr(c) for a, b in (("0", "9"), ("\uff10", "\uff19")) for c in range(ord(a), ord(b) + 1)]
    letters = [chr(c) for a, b in (("A", "Z"), ("a", "z"), ("\uff21", "\uff3a"), ("\uff41", "\uff5a"))
               for c in range(ord(a), ord(b) + 1)]
    rules = {chr(c): PRIVATE for c in range(0xE000, 0xE010)}
    rules.update(dict.fromkeys(digits, SP_DIGIT))
    rules.update(dict.fromkeys(letters, SP_LETTER))
    for d in digits:
        for mark in "%\uff05":
            rules[d + mark] = SP_DIGIT * 2
        for point in ".\uff0e":
            for e in digits:
                rules[d + point + e] = SP_DIGIT * 3
                for mark in "%\uff05":
                    rules[d + point + e + mark] = SP_DIGIT * 4
    values: dict[bytes, int] = {}
    normalized = bytearray()
    for key in sorted(rules):
        values[key.encode("utf-8")] = len(normalized)
        normalized += rules[key].encode("utf-8") + b"\0"
    trie = _double_array(values)
    return struct.pack("<I", len(trie)) + trie + bytes(normalized)


def sentencepiece_model(lexicon: Lexicon) -> tuple[bytes, list[tuple[str, float]]]:
    """The serialised ``ModelProto`` of a unigram model over the lexicon, and its ``(piece, score)`` rows.

    Pieces 0-2 are ``<unk>``, ``<s>``, ``</s>`` (sentencepiece's default ids);
    ▁ (its mark for a space) is a piece so that a space is a token of its own.
    Normaliser: the character map of :func:`_charsmap` (digits and letters
    to class marks, one for one), no dummy prefix, spaces kept.  Scores are
    32-bit floats, as the format has them.
    """
    vocab = vocabulary(lexicon, classes="sentencepiece")
    rows = [(UNK, 0.0, _UNKNOWN), (BOS, 0.0, _CONTROL), (EOS, 0.0, _CONTROL)]
    rows += [(p, s - RUN_PENALTY * len(_SP_RUN_RE.findall(p)), _NORMAL) for p, s in vocab.pieces]
    if SPACE_MARK not in {p for p, _ in vocab.pieces}:
        rows.append((SPACE_MARK, -math.log(vocab.total) if vocab.total > 0 else 0.0, _NORMAL))
    out = bytearray()
    for piece, score, kind in rows:  # ModelProto.pieces = 1: piece = 1, score = 2, type = 3
        out += _bytes(1, _bytes(1, piece) + _float(2, score) + _int(3, kind))
    trainer = (_int(3, _UNIGRAM) + _int(4, len(rows)) + _int(40, 0) + _int(41, 1) + _int(42, 2)
               + _int(43, -1))  # model_type, vocab_size, unk_id, bos_id, eos_id, pad_id
    out += _bytes(2, trainer)
    normalizer = (_bytes(1, "nlp_zero_classes") + _bytes(2, _charsmap()) + _int(3, False) + _int(4, False)
                  + _int(5, True))  # name, charsmap, add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces
    out += _bytes(3, normalizer)
    as_float32 = [(p, struct.unpack("<f", struct.pack("<f", s))[0]) for p, s, _ in rows]
    return bytes(out), as_float32


def save_sentencepiece(lexicon: Lexicon, prefix: str | os.PathLike) -> Vocabulary:
    """Write ``PREFIX.model`` and ``PREFIX.vocab`` atomically; returns the vocabulary written.

    Load it with ``sentencepiece.SentencePieceProcessor(model_file=PREFIX + '.model')``.
    """
    prefix = os.fspath(prefix)
    model, rows = sentencepiece_model(lexicon)
    with atomic_write(prefix + ".model", binary=True) as f:
        f.write(model)
    with atomic_write(prefix + ".vocab") as f:
        for piece, score in rows:
            f.write(f"{piece}\t{score:.9g}\n")
    return vocabulary(lexicon, classes="sentencepiece")
