"""Group settings (table `settings`, key -> text): typed readers with defaults when absent."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Setting

REMINDER_HOURS_BEFORE = "reminder_hours_before"
SURVEY_DELAY_HOURS = "survey_delay_hours"

DEFAULTS: dict[str, Any] = {
    REMINDER_HOURS_BEFORE: 24,
    SURVEY_DELAY_HOURS: 2,
    "rule.visit_1000": {"min_km": 500, "max_km": 1500, "max_age_days": 365},
}


def read_setting(session: Session, key: str) -> str | None:
    """The raw text of `key`, or None when absent."""
    return session.scalar(select(Setting.value).where(Setting.key == key))


def number_setting(session: Session, key: str, default: float | None = None) -> float:
    """A number setting (int or decimal text); the default when absent or unreadable."""
    fallback = DEFAULTS[key] if default is None else default
    raw = read_setting(session, key)
    if raw is None:
        return fallback
    try:
        value = float(raw.strip())
    except ValueError:
        return fallback
    return int(value) if value.is_integer() else value


def json_setting(session: Session, key: str, default: Any = None) -> Any:
    """A JSON setting; the default when absent or not valid JSON."""
    fallback = DEFAULTS.get(key) if default is None else default
    raw = read_setting(session, key)
    if raw is None:
        return fallback
    try:
        return json.loads(raw)
    except ValueError:
        return fallback


def write_setting(session: Session, key: str, value: Any) -> None:
    """Store `value` (str as is, anything else as JSON) in the caller's transaction."""
    text = value if isinstance(value, str) else json.dumps(value)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=text))
    else:
        row.value = text
