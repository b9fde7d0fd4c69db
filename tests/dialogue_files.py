"""The dialogue's files as Rasa reads them: a domain split over rasa_project/domain/*.yml
(merged the way Rasa merges them) and NLU files per workflow and language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PROJECT = Path(__file__).resolve().parents[1] / "rasa_project"
DOMAIN_DIR = PROJECT / "domain"


def load_domain() -> dict[str, Any]:
    """Every domain file merged: lists concatenated, mappings updated."""
    merged: dict[str, Any] = {}
    for path in sorted(DOMAIN_DIR.glob("**/*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in part.items():
            if isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            elif isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            else:
                merged[key] = value
    return merged


def nlu_files(language: str) -> list[Path]:
    """NLU files of one language: data/nlu/fr.yml, data/nlu/workshop_fr.yml, ..."""
    return sorted(
        path
        for path in (PROJECT / "data" / "nlu").glob("*.yml")
        if path.stem == language or path.stem.endswith(f"_{language}")
    )
