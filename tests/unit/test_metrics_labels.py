"""ops/metrics.py and ops/metrics_access.py without I/O but a SQLite file: labels stay
bounded, the token check, the database pool and handoff queue collectors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import create_engine, text

from ops import metrics
from ops.metrics_access import MetricsSettings, metrics_refusal
from ops.metrics_collectors import Collector, HandoffQueueCollector, PoolCollector

TOKEN = SecretStr("metrics-token-0123456789")


def families(collector: Collector) -> dict[str, float]:
    return {f.name: f.samples[0].value for f in collector.collect()}


@pytest.mark.parametrize(
    ("given", "allowed", "label"),
    [
        ("maintenance", None, "maintenance"),
        ("Révision complète !", None, "other"),
        ("a" * 41, None, "other"),
        (None, None, "other"),
        ("telegram", metrics.CHANNELS, "telegram"),
        ("myspace", metrics.CHANNELS, "other"),
    ],
)
def test_label_values_are_codes_or_other(given, allowed, label) -> None:
    assert metrics.bounded(given, allowed) == label


def test_a_rest_integrations_sender_counts_as_its_channel() -> None:
    assert metrics.channel_label("rest:test:visitor-1") == "rest"
    assert metrics.channel_label("web:3f2a") == "web"


def test_domain_intents_may_be_names_or_mappings() -> None:
    before = metrics.FALLBACKS.labels("repair", "clarified")._value.get()
    metrics.understanding_fallback("repair", "clarified", ["greet", {"repair": {}}])
    assert metrics.FALLBACKS.labels("repair", "clarified")._value.get() == before + 1


@pytest.mark.parametrize(
    ("authorization", "token", "refused"),
    [
        ("Bearer metrics-token-0123456789", None, (404, "not_found")),
        (None, TOKEN, (401, "missing_metrics_token")),
        ("Bearer ", TOKEN, (401, "missing_metrics_token")),
        ("Basic metrics-token-0123456789", TOKEN, (401, "missing_metrics_token")),
        ("Bearer metrics-token-01234567890", TOKEN, (403, "wrong_metrics_token")),
        ("Bearer metrics-token-0123456789", TOKEN, None),
        ("bearer metrics-token-0123456789", TOKEN, None),
    ],
)
def test_only_the_configured_bearer_token_reads_the_metrics(authorization, token, refused) -> None:
    assert metrics_refusal(authorization, token) == refused


@pytest.mark.parametrize("token", ["short", "changeme", "metrics"])
def test_a_short_or_placeholder_metrics_token_is_refused(token: str) -> None:
    with pytest.raises(ValidationError):
        MetricsSettings(_env_file=None, metrics_token=token)


def test_a_blank_metrics_token_is_unset() -> None:
    assert MetricsSettings(_env_file=None, metrics_token="  ").metrics_token is None


def test_the_pool_collector_counts_the_connections_in_use(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'pool.db'}", pool_size=3, max_overflow=2)
    collector = PoolCollector(lambda: [engine])
    try:
        with engine.connect() as first, engine.connect() as second:
            first.execute(text("SELECT 1"))
            second.execute(text("SELECT 1"))
            busy = families(collector)
        idle = families(collector)
    finally:
        engine.dispose()
    assert busy["pitlane_db_pool_connections_checked_out"] == 2
    assert busy["pitlane_db_pool_connections_size"] == 3
    assert idle["pitlane_db_pool_connections_checked_out"] == 0
    assert idle["pitlane_db_pool_connections_checked_in"] == 2


def test_the_queue_collector_reports_the_length_and_the_oldest_wait() -> None:
    now = datetime.now(timezone.utc)
    waiting = [now - timedelta(minutes=7), (now - timedelta(minutes=2)).replace(tzinfo=None)]
    found = families(HandoffQueueCollector(lambda: waiting))
    assert found["pitlane_handoff_queue_length"] == 2
    assert 419 <= found["pitlane_handoff_oldest_wait_seconds"] <= 430
    empty = families(HandoffQueueCollector(list))
    assert empty == {"pitlane_handoff_queue_length": 0, "pitlane_handoff_oldest_wait_seconds": 0}


def test_a_queue_the_database_cannot_read_is_left_out_of_the_scrape() -> None:
    def broken() -> list[datetime]:
        raise OSError("database is gone")

    assert families(HandoffQueueCollector(broken)) == {}
