"""Segmentation scoring the bakeoff way (docs/design.md §11).

A segmentation is a set of character spans; a predicted word is correct when
the gold segmentation has exactly the same span.  Precision, recall and F1
count words, as the SIGHAN bakeoff ``score`` script does.  Given the training
vocabulary, *OOV recall* is the recall over gold words that are not in it
(and *IV recall* over those that are): the figure that tells whether a method
finds new words or only remembers old ones.

Whitespace separates words and is not part of any span, so a gold line
``共同  创造`` and a predicted line ``共同 创造`` cover the same text.  Lines
whose text differs are an error, never silently skipped: a misaligned
prediction would give meaningless figures.

>>> s = evaluate(['共同  创造  美好'], ['共同 创 造 美好'])
>>> (s.gold_words, s.pred_words, s.correct)
(3, 4, 2)
>>> round(s.f1, 4)
0.5714
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import zip_longest
from typing import Iterable, Sequence, Union

from .errors import InputError
from .fileio import read_saved

Line = Union[str, Sequence[str]]


@dataclass(frozen=True)
class Score:
    """Word-level bakeoff figures of one predicted segmentation."""

    gold_words: int
    pred_words: int
    correct: int
    oov_words: int = 0  # gold words not in the training vocabulary
    oov_correct: int = 0
    iv_words: int = 0
    iv_correct: int = 0
    lines: int = 0
    vocabulary: bool = False  # whether OOV/IV figures were computed

    @property
    def precision(self) -> float:
        return self.correct / self.pred_words if self.pred_words else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold_words if self.gold_words else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def oov_rate(self) -> float:
        return self.oov_words / self.gold_words if self.gold_words else 0.0

    @property
    def oov_recall(self) -> float | None:
        if not self.vocabulary:
            return None
        return self.oov_correct / self.oov_words if self.oov_words else 0.0

    @property
    def iv_recall(self) -> float | None:
        if not self.vocabulary:
            return None
        return self.iv_correct / self.iv_words if self.iv_words else 0.0

    def as_dict(self) -> dict:
        """All counts and figures (for JSON output); OOV and IV ones only when a vocabulary was given."""
        d = asdict(self)
        names = ["precision", "recall", "f1"]
        if self.vocabulary:
            names += ["oov_rate", "oov_recall", "iv_recall"]
        else:
            for name in ("oov_words", "oov_correct", "iv_words", "iv_correct"):
                del d[name]
        for name in names:
            d[name] = getattr(self, name)
        return d

    def table(self) -> str:
        """The figures as a few aligned lines, the way the bakeoff script prints them."""
        rows = [
            ("lines", f"{self.lines}"),
            ("gold words", f"{self.gold_words}"),
            ("predicted words", f"{self.pred_words}"),
            ("correct words", f"{self.correct}"),
            ("precision", f"{self.precision:.4f}"),
            ("recall", f"{self.recall:.4f}"),
            ("F1", f"{self.f1:.4f}"),
        ]
        if self.vocabulary:
            rows += [
                ("OOV rate", f"{self.oov_rate:.4f}"),
                ("OOV recall", f"{self.oov_recall:.4f}"),
                ("IV recall", f"{self.iv_recall:.4f}"),
            ]
        return "\n".join(f"{name:<16} {value}" for name, value in rows)


def _words(line: Line) -> list[str]:
    return line.split() if isinstance(line, str) else [w for w in line if w and not w.isspace()]


def spans(words: Sequence[str]) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of consecutive words."""
    out = []
    pos = 0
    for w in words:
        out.append((pos, pos + len(w)))
        pos += len(w)
    return out


def evaluate(
    gold: Iterable[Line],
    pred: Iterable[Line],
    words: Iterable[str] | None = None,
    gold_name: str = "gold",
    pred_name: str = "prediction",
) -> Score:
    """Score ``pred`` against ``gold``, line by line.

    Each line is a string with words separated by whitespace, or a sequence
    of words.  ``words`` is the training vocabulary for OOV recall.  Lines
    whose text (whitespace removed) differs, or a different number of lines,
    raise :class:`InputError` naming ``pred_name`` and the line.
    """
    vocab = None if words is None else {w.strip() for w in words if w.strip()}
    gold_n = pred_n = correct = oov = oov_ok = iv = iv_ok = 0
    lines = 0
    for lineno, (g, p) in enumerate(zip_longest(gold, pred), 1):
        if g is None or p is None:
            short = gold_name if g is None else pred_name
            raise InputError(pred_name, f"has a different number of lines than {gold_name} ({short} ends first)", lineno)
        gw, pw = _words(g), _words(p)
        if "".join(gw) != "".join(pw):
            raise InputError(pred_name, f"text differs from {gold_name} on the same line", lineno)
        lines += 1
        gs = spans(gw)
        ok = set(gs).intersection(spans(pw))
        gold_n += len(gw)
        pred_n += len(pw)
        correct += len(ok)
        if vocab is not None:
            for w, span in zip(gw, gs):
                hit = span in ok
                if w in vocab:
                    iv += 1
                    iv_ok += hit
                else:
                    oov += 1
                    oov_ok += hit
    return Score(gold_n, pred_n, correct, oov, oov_ok, iv, iv_ok, lines, vocab is not None)


def _read_lines(path: str) -> list[str]:
    """Lines split at LF only (CRLF tolerated): ``str.splitlines`` would also split at
    U+2028, U+0085 and form feeds, and gold lines would stop matching the predicted ones."""
    return [line for _, line in read_saved(path)]


def evaluate_files(gold: str, pred: str, words: str | None = None) -> Score:
    """:func:`evaluate` on files: ``gold`` and ``pred`` segmented, ``words`` one word a line."""
    vocab = _read_lines(words) if words is not None else None
    return evaluate(_read_lines(gold), _read_lines(pred), vocab, gold_name=gold, pred_name=pred)
