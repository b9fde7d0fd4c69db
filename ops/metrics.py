"""Prometheus metrics of the web app and the action server (docs/operations.md, "Metrics"):
every metric Pitlane exports is defined here, named `pitlane_*`, in base units, with small
bounded label sets (a channel, an outcome, a service code, an intent of the domain; never a
customer, a text or an id).

Several uvicorn workers: with PROMETHEUS_MULTIPROC_DIR set *before the process starts*,
prometheus_client writes each process's values to files there and `exposition` sums them
(gauges by their `multiprocess_mode`). Unset: the process's default registry. What is read at
scrape time (the handoff queue, the database pool: ops/metrics_collectors.py) comes from
collectors given to `exposition`, never registered globally (an app built twice in one
process must not clash).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.registry import Collector

from ops.metrics_collectors import as_utc

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CHANNELS = frozenset({"web", "rest", "telegram", "whatsapp", "sms", "email"})
OTHER = "other"
_CODE = re.compile(r"[a-z0-9_]{1,40}")

# ---------------------------------------------------------------- web app: messages
MESSAGES_RECEIVED = Counter(
    "pitlane_messages_received_total",
    "Customer messages the hub took in, by channel and outcome: answered (by the bot or the "
    "hub), to_advisor (an advisor holds the conversation), bot_unavailable (Rasa failed), "
    "refused (empty or too long, not stored)",
    ["channel", "outcome"],
)
MESSAGES_SENT = Counter(
    "pitlane_messages_sent_total",
    "Messages the hub stored for customers, by channel and kind: reply (answers in turn) or "
    "proactive (advisor replies, notices, reminders, offers)",
    ["channel", "kind"],
)
DELIVERIES = Counter(
    "pitlane_deliveries_total",
    "Deliveries through a push channel's sender (Telegram, WhatsApp, SMS), by outcome: "
    "delivered, failed, opted_out, channel_off",
    ["channel", "outcome"],
)
HANDOFF_REQUESTS = Counter(
    "pitlane_handoff_requests_total",
    "New advisor handoff requests queued, by channel",
    ["channel"],
)
HANDOFF_WAIT = Histogram(
    "pitlane_handoff_wait_seconds",
    "How long an accepted handoff request waited for its advisor",
    buckets=(5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600),
)
# ---------------------------------------------------------------- web app: Rasa
RASA_DURATION = Histogram(
    "pitlane_rasa_request_duration_seconds",
    "Round trip of one customer message to Rasa's REST channel, whatever its outcome",
    buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2.5, 5, 10),
)
RASA_REQUESTS = Counter(
    "pitlane_rasa_requests_total",
    "Customer messages sent to Rasa, by outcome: ok, timeout, error",
    ["outcome"],
)
# ---------------------------------------------------------------- web app: reminders
REMINDERS = Counter(
    "pitlane_reminders_total",
    "Reminders and surveys sent, by kind (reminder, survey, maintenance) and outcome "
    "(sent, failed)",
    ["kind", "outcome"],
)
# ---------------------------------------------------------------- web app: HTTP, streams
HTTP_REQUESTS = Counter(
    "pitlane_http_requests_total",
    "HTTP requests answered, by method and status class (2xx, 3xx, 4xx, 5xx)",
    ["method", "status"],
)
HTTP_DURATION = Histogram(
    "pitlane_http_request_duration_seconds",
    "Time to answer an HTTP request (a stream: until it ends)",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CONNECTIONS_OPEN = Gauge(
    "pitlane_connections_open",
    "Long-lived connections open, by kind: widget_socket, console_socket, rooms_socket, "
    "notification_stream",
    ["kind"],
    multiprocess_mode="livesum",
)
# ---------------------------------------------------------------- action server
FALLBACKS = Counter(
    "pitlane_understanding_fallbacks_total",
    "Messages the model was unsure of, by the intent it guessed and kind: clarified "
    "(likeliest readings offered as buttons) or not_understood",
    ["intent", "kind"],
)
BOOKINGS = Counter(
    "pitlane_bookings_total",
    "Bookings made from the chat, by service and outcome: booked, slot_taken, cancelled, moved",
    ["service", "outcome"],
)


def bounded(value: object, allowed: Iterable[str] | None = None) -> str:
    """`value` when it may be a label value (in `allowed`, or a short lowercase code), else
    "other": a label never grows with what customers send."""
    if not isinstance(value, str):
        return OTHER
    if allowed is not None:
        return value if value in allowed else OTHER
    return value if _CODE.fullmatch(value) else OTHER


def channel_label(channel: str) -> str:
    """A conversation's channel ("web", "telegram"... ; "rest:<client>" counts as "rest")."""
    return bounded(channel.partition(":")[0], CHANNELS)


def message_received(channel: str, outcome: str, answers: int = 0) -> None:
    """One customer message handled (and the `answers` stored for it in turn)."""
    MESSAGES_RECEIVED.labels(channel_label(channel), bounded(outcome)).inc()
    if answers:
        MESSAGES_SENT.labels(channel_label(channel), "reply").inc(answers)


def proactive_sent(channel: str) -> None:
    MESSAGES_SENT.labels(channel_label(channel), "proactive").inc()


def delivery(channel: str, outcome: str) -> None:
    DELIVERIES.labels(channel_label(channel), bounded(outcome)).inc()


def handoff_requested(channel: str) -> None:
    HANDOFF_REQUESTS.labels(channel_label(channel)).inc()


def handoff_accepted(created_at: datetime, accepted_at: datetime | None) -> None:
    """The request's wait, observed when an advisor takes it."""
    if accepted_at is not None:
        HANDOFF_WAIT.observe(max(0.0, (as_utc(accepted_at) - as_utc(created_at)).total_seconds()))


def rasa_round_trip(started: float, error: BaseException | None = None) -> None:
    """One call to Rasa's REST channel, begun at `started` (time.perf_counter())."""
    RASA_DURATION.observe(time.perf_counter() - started)
    RASA_REQUESTS.labels(_rasa_outcome(error)).inc()


def _rasa_outcome(error: BaseException | None) -> str:
    if error is None:
        return "ok"
    timeouts = (TimeoutError,)  # asyncio.TimeoutError is TimeoutError from Python 3.11
    name = type(error).__name__
    if isinstance(error, timeouts) or "Timeout" in name:  # httpx.*Timeout, asyncio's
        return "timeout"
    return "error"


def reminder_done(kind: str, sent: bool | None) -> None:
    """A reminder, survey or maintenance reminder finished (None: nothing was due)."""
    if sent is not None:
        REMINDERS.labels(bounded(kind), "sent" if sent else "failed").inc()


def understanding_fallback(intent: object, kind: str, intents: Iterable[object]) -> None:
    """The model was unsure: `intent` is its guess, kept only when one of the domain's
    (`intents` as a domain lists them: names, or one-key mappings of name to options)."""
    names = frozenset(name for item in intents for name in _intent_names(item))
    FALLBACKS.labels(bounded(intent, names), bounded(kind)).inc()


def _intent_names(item: object) -> list[str]:
    if isinstance(item, str):
        return [item]
    return [key for key in item if isinstance(key, str)] if isinstance(item, dict) else []


def booking_outcome(service: object, outcome: str) -> None:
    BOOKINGS.labels(bounded(service), bounded(outcome)).inc()


# ---------------------------------------------------------------- exposition


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def exposition(collectors: Iterable[Collector] = ()) -> tuple[bytes, str]:
    """The text format of every metric (summed over the processes in multiprocess mode) and
    of `collectors`, with its content type."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    body = generate_latest(registry)
    extra = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        extra.register(collector)
    return body + generate_latest(extra), CONTENT_TYPE_PLAIN_0_0_4


def process_exiting() -> None:
    """In multiprocess mode, drop this process's live gauges (open connections) at its exit."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(os.getpid())
