"""The conversations the chat benchmarks play (bench/chat_load.py, bench/scale_load.py).

Mostly text typed as customers type it, in French and in English (abbreviations, missing
accents), with a few button payloads where a customer would click. None of them books
anything: a booking would fill the calendars the next run measures against. Conversation
number i plays SCRIPTS[i % len(SCRIPTS)], so any concurrency mixes them.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # httpx is not in Rasa's environment, where bench/nlu_cost.py reads SCRIPTS
    import httpx

SCRIPTS: tuple[tuple[str, ...], ...] = (
    # French: maintenance check, low mileage, declines the offered service.
    (
        "bonjour",
        "slt je voudrais verifier l'entretien de ma moto",
        "une 2022",
        "l'ete dernier",
        "3000 bornes",
        "non merci",
        "au revoir",
    ),
    # English: maintenance check, then stops before the slots.
    (
        "Hi there",
        "I need to check if my bike is due for a service",
        "it's a 2021",
        "8 months ago",
        "stop",
        "what's your phone number?",
        "thanks, bye",
    ),
    # French: contact details, typed and clicked.
    (
        "salut",
        "c koi votre numero de tel svp",
        "/contact_info",
        "/ask_email",
        "vous etes ouverts le samedi ?",
        "merci bcp",
        "/stop",
    ),
    # English: test ride information, then changes their mind.
    (
        "hello",
        "info on your bikes please",
        "actually no, stop",
        "how can I reach you by email",
        "are you a bot?",
        "ok thank you",
        "goodbye",
    ),
    # French: gibberish, the menu, the maintenance form stopped in the middle.
    (
        "qsdlkj zzkq wpx",
        "menu",
        "/check_maintenance",
        "2019",
        "arrete",
        "c'est combien une vidange pour une 650 ?",
        "non c'est bon",
    ),
)


def first_rest_integration() -> tuple[str, str]:
    """The name and token of the first integration of $PITLANE_REST_WEBHOOK_TOKENS
    ("name:token,...")."""
    name, _, token = (
        os.environ.get("PITLANE_REST_WEBHOOK_TOKENS", "").partition(",")[0].partition(":")
    )
    return name, token


def script_for(index: int) -> tuple[str, ...]:
    return SCRIPTS[index % len(SCRIPTS)]


def messages_per_round(conversations: int) -> int:
    return sum(len(script_for(i)) for i in range(conversations))


@dataclass
class Run:
    """One side of a benchmark run: its latencies, errors, wall time and, when measured,
    the CPU seconds and RSS of its processes (name -> (cpu s, rss MB))."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    usage: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0

    def report(self) -> str:
        if not self.latencies:
            return f"{self.name:>7}: no successful message ({self.errors} errors)"
        return (
            f"{self.name:>7}: {len(self.latencies)} messages in {self.elapsed:.1f} s = "
            f"{self.throughput:.1f} msg/s, p50 {statistics.median(self.latencies) * 1000:.0f} ms, "
            f"p95 {self.percentile(0.95) * 1000:.0f} ms, errors {self.errors}"
        )


def as_the_hub_sends(integration: str, sender: str, text: str) -> dict[str, object]:
    """The body the hub sends Rasa for `text` of `sender` received on its REST webhook from
    `integration` (hub/inbound.py, `_bot_metadata`): the same sender id and metadata, so the
    actions do the same work (they find the customer of a `channel:external_id` sender)
    whether the message came through the hub or straight. The trace context is left out."""
    external_id = f"{integration}:{sender}"
    return {
        "sender": f"rest:{external_id}",
        "message": text,
        "metadata": {"channel": "rest", "external_id": external_id, "language": None},
    }


async def converse(
    client: httpx.AsyncClient, url: str, index: int, run: Run, straight_as: str | None = None
) -> None:
    """Play conversation `index`'s script on `url` (a REST webhook), one message after the
    other's answer, timing each; a failed message counts as an error and the script goes on.

    `straight_as`: `url` is Rasa's own channel, sent what the hub would send for this
    integration's sender (as_the_hub_sends), so both sides ask Rasa the same."""
    sender = f"bench-{run.name}-{uuid.uuid4().hex[:12]}"
    for text in script_for(index):
        await say(client, url, sender, text, run, straight_as)


async def say(
    client: httpx.AsyncClient,
    url: str,
    sender: str,
    text: str,
    run: Run,
    straight_as: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Send one message of `sender` and time it into `run` (an error when it fails or gets
    no reply)."""
    import httpx

    body = {"sender": sender, "message": text}
    if straight_as is not None:
        body = as_the_hub_sends(straight_as, sender, text)
    started = time.perf_counter()
    try:
        response = await client.post(url, json=body, headers=headers)
        response.raise_for_status()
        if not response.json():
            raise ValueError("no reply")
    except (httpx.HTTPError, ValueError):
        run.errors += 1
        return
    run.latencies.append(time.perf_counter() - started)
