"""The examples in the modules' docstrings run and give what they show."""

import doctest
import importlib
import pkgutil

import pytest

import nlp_zero

MODULES = ["nlp_zero"] + [f"nlp_zero.{m.name}" for m in pkgutil.iter_modules(nlp_zero.__path__)
                          if m.name not in ("__main__",)]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
