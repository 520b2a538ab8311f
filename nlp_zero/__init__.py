"""nlp_zero: learn Chinese words, templates and structure from raw text.

The pipeline, one module per stage (DESIGN.md §1)::

    corpus  -> counting     -> discovery  -> lexicon -> tokenizer
    (Corpus)   (NgramCounter)  (WordFinder)  (Lexicon)  (Tokenizer)
                                   templates (TemplateFinder) -> parser (Parser, SentTree)
"""

import logging

__version__ = "0.2.0"

from .errors import FormatError, InputError, NlpZeroError  # noqa: E402
from .corpus import Corpus  # noqa: E402
from .counting import NgramCounter  # noqa: E402

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "__version__",
    "Corpus",
    "FormatError",
    "InputError",
    "NgramCounter",
    "NlpZeroError",
]
