"""corpusclean's library. `clean_text` cleans one text in one call; the rest is in the modules."""

from cleaners.api import Cleaned, clean_file, clean_text, fit_models

__all__ = ["Cleaned", "clean_file", "clean_text", "fit_models"]
