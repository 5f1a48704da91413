"""corpusclean's library. `clean_text` cleans one text in one call (`cleaners.api`); the pipeline's
parts are in the modules.

The names below load on first use, so importing one module (`cleaners.settings`) does not load the
whole pipeline.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Cleaned", "clean_file", "clean_text", "fit_models"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from cleaners import api

        return getattr(api, name)
    raise AttributeError(f"module 'cleaners' has no attribute {name!r}")
