"""The runnable examples in the library's docstrings are run, so they stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cleaners


def _raise(name: str) -> None:
    raise ImportError(f"{name} cannot be imported")


# walk_packages skips a package it cannot import unless told otherwise: then its examples would not run
MODULES = sorted(m.name for m in pkgutil.walk_packages(cleaners.__path__, "cleaners.", onerror=_raise))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
