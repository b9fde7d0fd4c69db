"""The held-out NLU set measures understanding, not memory: none of its messages is in the
training data, however it is cased, accented or punctuated (rasa_project/holdout/)."""

from __future__ import annotations

import re
import unicodedata

import yaml

from tests.dialogue_files import PROJECT

ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def comparable(example: str) -> str:
    text = ANNOTATION.sub(r"\1", example)
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def examples(paths) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in paths:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in item:
                for line in item["examples"].splitlines():
                    if line.strip().startswith("- "):
                        found[comparable(line.strip()[2:])] = item["intent"]
    return found


def test_no_held_out_message_is_trained_on() -> None:
    training = examples(sorted((PROJECT / "data" / "nlu").glob("*.yml")))
    held_out = examples(sorted((PROJECT / "holdout").glob("*.yml")))
    assert len(held_out) >= 400
    assert sorted(set(held_out) & set(training)) == []
