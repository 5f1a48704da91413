"""The `transliteration` kind: names spelled through another language's romanisation in English text
("Kassym-Schomart" for Kassym-Jomart).

- `conventions`: the romanisation conventions as data (`cleaners/data/transliteration.toml`): how a
  German or French spelling renders back into English convention, and the fingerprints that show it.
- `model`: `TransliterationModel`, the corpus model that decides which spellings are one name and
  which to rewrite, on evidence from the whole run (`cleaners.artefacts.TransliterationModel`).

(Nothing is imported here: the artefact tables load the conventions, and the model loads the tables.)
"""
