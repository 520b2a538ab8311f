"""nlp_zero: learn Chinese words, templates and structure from raw text.

The pipeline, one module per stage (docs/design.md §1)::

    corpus  -> counting     -> discovery  -> lexicon -> tokenizer
    (Corpus)   (NgramCounter)  (WordFinder)  (Lexicon)  (Tokenizer)
                              templates (TemplateFinder) -> parser (Parser, SentTree)

>>> from nlp_zero import Tokenizer
>>> Tokenizer({'人民': 10, '法院': 8, '人民法院': 5}).lcut('人民法院判决，iPhone8售价6888元')
['人民法院', '判', '决', '，', 'iPhone8', '售', '价', '6888', '元']
"""

import logging

__version__ = "0.2.0"

from .errors import FormatError, InputError, NlpZeroError, OutputError  # noqa: E402
from .corpus import Corpus  # noqa: E402
from .counting import NgramCounter  # noqa: E402
from .discovery import DiscoveryStats, WordFinder  # noqa: E402
from .lexicon import Lexicon  # noqa: E402
from .tokenizer import Tokenizer  # noqa: E402
from .templates import Template, TemplateFinder, TemplateSet  # noqa: E402
from .parser import Parser, SentTree  # noqa: E402
from .evaluation import Score, evaluate, evaluate_files  # noqa: E402
from .compat import Word_Finder  # noqa: E402

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "__version__",
    "Corpus",
    "DiscoveryStats",
    "FormatError",
    "InputError",
    "Lexicon",
    "NgramCounter",
    "NlpZeroError",
    "OutputError",
    "Parser",
    "Score",
    "SentTree",
    "Template",
    "TemplateFinder",
    "TemplateSet",
    "Tokenizer",
    "WordFinder",
    "Word_Finder",
    "evaluate",
    "evaluate_files",
]
