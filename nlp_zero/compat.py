"""nlp-zero 0.1.6 names, as thin aliases over the new API.

Code written for the original package keeps working where it makes sense::

    f = Word_Finder(min_proba=1e-8, min_pmi=1)
    f.train(texts)      # texts: any iterable of strings (may be a generator)
    f.find(texts)       # the old two-pass API; the texts are not needed again
    f.words             # dict word -> count
    tokenizer = f.export_tokenizer()
    tokenizer.tokenize('...')   # a list of words, as in 0.1.6

``min_proba`` and ``min_pmi`` are accepted and recorded but ignored: the new
finder derives everything from the corpus (docs/design.md §5), and these
thresholds were the reason the old one needed tuning.
"""

from __future__ import annotations

import warnings
from typing import Iterable

from .discovery import WordFinder
from .lexicon import Lexicon
from .text import readable
from .tokenizer import Tokenizer as _Tokenizer


class Tokenizer(_Tokenizer):
    """The 0.1.6 tokenizer surface: ``tokenize(text)`` returns a list of words."""

    def tokenize(self, text: str, *args, **kwargs):  # type: ignore[override]
        if args or kwargs:  # the jieba-style (word, start, end) form
            return super().tokenize(text, *args, **kwargs)
        return self.lcut(text)


class Word_Finder:  # noqa: N801 -- the 0.1.6 name
    """nlp-zero 0.1.6 ``Word_Finder`` over :class:`~nlp_zero.discovery.WordFinder`."""

    def __init__(self, min_proba: float = 1e-8, min_pmi: float = 1):
        self.min_proba = min_proba
        self.min_pmi = min_pmi
        if (min_proba, min_pmi) != (1e-8, 1):
            warnings.warn("Word_Finder: min_proba and min_pmi are ignored; thresholds come from the corpus",
                          stacklevel=2)
        self.finder = WordFinder()
        self.lexicon: Lexicon | None = None
        self.words: dict[str, int] = {}

    def train(self, texts: Iterable[str]) -> None:
        """Count the texts (additive)."""
        self.finder.train(texts)
        self.lexicon = None

    def find(self, texts: Iterable[str] | None = None) -> None:
        """Build the lexicon; fills ``words``.  ``texts`` is accepted for 0.1.6 code and not read."""
        self.lexicon = self.finder.find()
        self.words = {readable(w): c for w, c in self.lexicon.items()}

    def export_tokenizer(self) -> Tokenizer:
        """A tokenizer over the found words."""
        if self.lexicon is None:
            self.find()
        return Tokenizer(self.lexicon)
