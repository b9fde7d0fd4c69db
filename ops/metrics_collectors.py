"""What the metrics read at scrape time rather than count as it happens: the handoff queue
(from the database, the same for every replica) and this process's database pools
(SQLAlchemy). Each is a prometheus_client collector given to `ops.metrics.exposition`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)


class HandoffQueueCollector(Collector):
    """The handoff queue as the database holds it at scrape time: `read()` returns the
    pending requests' creation times (shared by every replica: one query per scrape)."""

    def __init__(self, read: Callable[[], list[datetime]]) -> None:
        self.read = read

    def collect(self) -> Iterator[Metric]:
        try:
            created = self.read()
        except Exception as exc:  # a scrape must not fail: the metric is left out
            log.warning("handoff queue not read for metrics: %r", exc)
            return
        now = datetime.now(timezone.utc)
        oldest = max(((now - as_utc(at)).total_seconds() for at in created), default=0.0)
        yield GaugeMetricFamily(
            "pitlane_handoff_queue_length", "Handoff requests waiting for an advisor", len(created)
        )
        yield GaugeMetricFamily(
            "pitlane_handoff_oldest_wait_seconds",
            "How long the oldest waiting handoff request has waited (0: none waits)",
            max(0.0, oldest),
        )


class PoolCollector(Collector):
    """The database pools of this process's engines (`engines()`, SQLAlchemy), summed."""

    def __init__(self, engines: Callable[[], Iterable[object]]) -> None:
        self.engines = engines

    def collect(self) -> Iterator[Metric]:
        totals = {"checked_out": 0, "size": 0, "overflow": 0, "checked_in": 0}
        for engine in self.engines():
            pool = engine.pool  # type: ignore[attr-defined]
            for name, method in (
                ("checked_out", "checkedout"),
                ("size", "size"),
                ("overflow", "overflow"),
                ("checked_in", "checkedin"),
            ):
                if hasattr(pool, method):  # NullPool and StaticPool keep no counts
                    totals[name] += max(0, int(getattr(pool, method)()))
        descriptions = {
            "checked_out": "Database connections in use",
            "size": "Database pool size (connections kept open)",
            "overflow": "Database connections open beyond the pool size",
            "checked_in": "Idle database connections in the pool",
        }
        for name, value in totals.items():
            yield GaugeMetricFamily(
                f"pitlane_db_pool_connections_{name}", descriptions[name], value
            )


def as_utc(at: datetime) -> datetime:
    """`at`, naive times taken as UTC (SQLite gives them back without a zone)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)
