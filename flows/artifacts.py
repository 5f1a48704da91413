"""Placeholder until the Prefect artifacts land."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def publish_artifacts(summary: dict[str, Any], clean: Path) -> None:
    return None
