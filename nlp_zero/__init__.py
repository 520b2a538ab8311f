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

# The other public names are imported on first use (PEP 562), so that a
# command such as ``nlp-zero cut`` does not pay for the modules it never runs.
_LAZY = {
    "Corpus": "corpus", "NgramCounter": "counting", "DiscoveryStats": "discovery", "WordFinder": "discovery",
    "Lexicon": "lexicon", "Tokenizer": "tokenizer", "Template": "templates", "TemplateFinder": "templates",
    "TemplateSet": "templates", "Parser": "parser", "SentTree": "parser", "Score": "evaluation",
    "evaluate": "evaluation", "evaluate_files": "evaluation", "Word_Finder": "compat",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


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
