"""The C library's calls that Python's `os` does not offer (`syncfs`, `malloc_trim`), found once per
process; where there is no C library to load (or it lacks a call), callers take their portable path."""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from typing import Any


@functools.cache
def _library() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)  # the process's own symbols: glibc's on Linux
    except OSError:
        return None


def function(name: str) -> Callable[..., int] | None:
    """The C library's function `name`, or None where it has none.

    >>> function("no_such_function_here") is None
    True
    """
    return getattr(_library(), name, None)


def errno() -> int:
    """The C `errno` the last call through `function` left."""
    return ctypes.get_errno()
