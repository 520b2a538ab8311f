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

# The other public names are imported on first use of any of them (PEP 562),
# so that a command such as ``nlp-zero cut`` does not pay for the modules it
# never runs.


def __getattr__(name: str):
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .compat import Word_Finder
    from .corpus import Corpus
    from .counting import NgramCounter
    from .discovery import DiscoveryStats, WordFinder
    from .evaluation import Score, evaluate, evaluate_files
    from .lexicon import Lexicon
    from .parser import Parser, SentTree
    from .templates import Template, TemplateFinder, TemplateSet
    from .tokenizer import Tokenizer

    public = dict(locals())
    globals().update((k, v) for k, v in public.items() if k in __all__)
    return globals()[name]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
