"""The knowledge base's table, now core/models/answers.py: kept as an import path for the
callers outside core/ (import it from `core.models`)."""

from __future__ import annotations

from core.models.answers import GENERAL_ENTRY, AnswerEntry

__all__ = ["GENERAL_ENTRY", "AnswerEntry"]
