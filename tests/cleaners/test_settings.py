from pathlib import Path

import pytest
from pydantic import ValidationError

from cleaners.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]


def test_example_config_documents_the_defaults() -> None:
    """corpusclean.example.toml lists every key with its default: the docs match the code."""
    example = REPO / "corpusclean.example.toml"
    assert load_settings(example) == Settings()
    text = example.read_text()
    for name in Settings.model_fields:
        assert name in text, f"{name} is not documented in corpusclean.example.toml"


def test_precedence_file_then_overrides(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("threshold = 0.6\nbatch_size = 8\n")
    s = load_settings(cfg, threshold=0.7)
    assert (s.threshold, s.batch_size) == (0.7, 8)


def test_unknown_key_and_missing_data_file_are_errors(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("treshold = 0.6\n")
    with pytest.raises(ValidationError, match="treshold"):
        load_settings(cfg)
    with pytest.raises(ValidationError, match="gazetteer"):
        Settings(gazetteer=tmp_path / "missing.toml")
