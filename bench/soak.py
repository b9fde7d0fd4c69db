"""Soak benchmark (not a test): N virtual customers talk to the hub for M minutes, each
playing the benchmark's real conversations (bench/conversations.py: French and English text
typed as customers type it) one after the other, with 1-3 s of thinking before each message.

    .venv/bin/python bench/soak.py [--conversations 50] [--minutes 5] [--warmup 1]
    .venv/bin/python bench/soak.py --conversations 10 --minutes 1 --warmup 0.5   # a quick try
    .venv/bin/python bench/soak.py --hub-url http://127.0.0.1:8000 --rest-token ...

Without --hub-url it starts its own stack (Rasa, actions, web on spare ports, a throwaway
SQLite database; bench/chat_load.py's), so a running `make run` is left alone. After the
warm-up it prints, minute by minute, the messages sent, the errors (an HTTP error, an empty
reply, or the hub's "assistant unavailable" answer) and the p50/p95/p99 latency; and the RSS
of every process of its own stack (children included) at the start and at the end. It
passes when no message failed and no process grew by more than 10%; the exit status says
so (0 pass, 1 fail). With --hub-url the processes are not its own: memory is not measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chat_load import start_own_stack  # noqa: E402
from bench.conversations import first_rest_integration, script_for  # noqa: E402
from bench.scale_load import groups_of, snapshot  # noqa: E402
from hub.texts import say  # noqa: E402

GROWTH_LIMIT = 10.0  # % of RSS a process may gain between the start and the end
# The hub's answer when Rasa did not answer in time: a reply, but a failed message.
UNAVAILABLE = frozenset(say("assistant_unavailable", language) for language in ("fr", "en"))


# --- pure helpers (tests/unit/test_soak.py) ---------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One message: when it was sent (s since the measured start; < 0 in the warm-up), how
    long its reply took (s), and whether it got a proper reply."""

    at: float
    latency: float
    ok: bool


@dataclass(frozen=True)
class Minute:
    number: int  # 1 = the first measured minute
    messages: int
    errors: int
    p50: float
    p95: float
    p99: float


def percentile(values: Iterable[float], share: float) -> float:
    """Nearest-rank percentile (`share` in 0..1); 0 for no value."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, -(-share * len(ordered) // 1))  # ceil(share * n), at least 1
    return ordered[int(rank) - 1]


def by_minute(samples: Iterable[Sample], minutes: int) -> list[Minute]:
    """The measured samples (at >= 0) in `minutes` one-minute buckets, by sending time; the
    latency percentiles are of the successful messages."""
    buckets: list[list[Sample]] = [[] for _ in range(minutes)]
    for sample in samples:
        index = int(sample.at // 60)
        if 0 <= index < minutes:
            buckets[index].append(sample)
    rows = []
    for number, bucket in enumerate(buckets, start=1):
        latencies = [s.latency for s in bucket if s.ok]
        rows.append(
            Minute(
                number,
                len(bucket),
                sum(not s.ok for s in bucket),
                percentile(latencies, 0.50),
                percentile(latencies, 0.95),
                percentile(latencies, 0.99),
            )
        )
    return rows


def growth(start: dict[str, float], end: dict[str, float]) -> dict[str, float]:
    """Each process's RSS change from `start` to `end`, in % of its start."""
    return {name: (end.get(name, 0.0) - rss) * 100 / rss for name, rss in start.items() if rss}


def verdict(rows: list[Minute], grown: dict[str, float] | None) -> list[str]:
    """Why the soak failed (empty: it passed): any error, any process over GROWTH_LIMIT."""
    reasons = []
    errors = sum(row.errors for row in rows)
    if errors:
        reasons.append(f"{errors} failed messages")
    if not sum(row.messages for row in rows):
        reasons.append("no message was sent")
    for name, percent in (grown or {}).items():
        if percent > GROWTH_LIMIT:
            reasons.append(f"{name} grew by {percent:.1f}% (limit {GROWTH_LIMIT:.0f}%)")
    return reasons


# --- the customers --------------------------------------------------------------------------


@dataclass
class Soak:
    url: str
    started: float = 0.0  # perf_counter() at the measured start
    stop_at: float = 0.0  # perf_counter() after which no message is sent
    samples: list[Sample] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)  # measured ones, by kind

    async def customer(self, index: int, client: httpx.AsyncClient, rng: random.Random) -> None:
        """Conversations one after the other, a new sender each, thinking before each message."""
        await asyncio.sleep(rng.uniform(0, 3))  # customers do not all arrive at once
        played = 0
        while True:
            sender = f"soak-{index}-{played}-{uuid.uuid4().hex[:8]}"
            for text in script_for(index + played):
                await asyncio.sleep(rng.uniform(1.0, 3.0))
                if time.perf_counter() >= self.stop_at:
                    return
                await self.send(client, sender, text)
            played += 1

    async def send(self, client: httpx.AsyncClient, sender: str, text: str) -> None:
        sent = time.perf_counter()
        failure = None
        try:
            response = await client.post(self.url, json={"sender": sender, "message": text})
            response.raise_for_status()
            replies = response.json()
            if not replies:
                failure = "empty reply"
            elif any(r.get("text") in UNAVAILABLE for r in replies):
                failure = "assistant unavailable (Rasa timed out or failed)"
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            failure = f"HTTP: {type(exc).__name__}"
        at = sent - self.started
        self.samples.append(Sample(at, time.perf_counter() - sent, failure is None))
        if failure and at >= 0:
            self.failures[failure] = self.failures.get(failure, 0) + 1


def rss_by_process(groups: dict[str, int]) -> dict[str, float]:
    """MB of RSS per managed process, its children included (its session's processes)."""
    totals: dict[str, float] = {}
    for group, _cpu, rss in snapshot(groups).values():
        if group in groups:
            totals[group] = totals.get(group, 0.0) + rss
    return totals


async def soak(args: argparse.Namespace, groups: dict[str, int]) -> int:
    state = Soak(f"{args.hub_url}/webhooks/rest/webhook")
    headers = {"Authorization": f"Bearer {args.rest_token}"}
    limits = httpx.Limits(max_connections=args.conversations + 5)
    rng = random.Random(args.seed)
    async with httpx.AsyncClient(timeout=30, headers=headers, limits=limits) as client:
        now = time.perf_counter()
        state.started = now + args.warmup * 60
        state.stop_at = state.started + args.minutes * 60
        print(
            f"==> {args.conversations} customers, {args.warmup:g} min of warm-up, then "
            f"{args.minutes} min measured",
            flush=True,
        )
        customers = [
            asyncio.create_task(state.customer(i, client, random.Random(rng.random())))
            for i in range(args.conversations)
        ]
        await asyncio.sleep(max(0.0, state.started - time.perf_counter()))
        start_rss = rss_by_process(groups) if groups else {}
        for minute in range(1, args.minutes + 1):
            await asyncio.sleep(max(0.0, state.started + minute * 60 - time.perf_counter()))
            done = [s for s in state.samples if 0 <= s.at < minute * 60]
            failed = sum(not s.ok for s in done)
            load = os.getloadavg()[0]  # the machine may be shared: say how busy it was
            print(
                f"    minute {minute}: {len(done)} messages so far, {failed} failed, "
                f"load average {load:.1f} on {os.cpu_count()} cores",
                flush=True,
            )
        await asyncio.gather(*customers)  # the messages in flight come back
        end_rss = rss_by_process(groups) if groups else {}
    rows = by_minute(state.samples, args.minutes)
    grown = growth(start_rss, end_rss) if groups else None
    print_report(rows, start_rss, end_rss, grown, args)
    for kind, count in sorted(state.failures.items()):
        print(f"  failed: {count} x {kind}")
    reasons = verdict(rows, grown)
    print(f"\n{'FAIL: ' + '; '.join(reasons) if reasons else 'PASS'}", flush=True)
    return 1 if reasons else 0


def print_report(
    rows: list[Minute],
    start: dict[str, float],
    end: dict[str, float],
    grown: dict[str, float] | None,
    args: argparse.Namespace,
) -> None:
    print(f"\n{args.conversations} concurrent conversations, think time 1-3 s")
    print(
        f"  {'minute':>6} {'messages':>9} {'msg/s':>6} {'errors':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    )
    for row in rows:
        print(
            f"  {row.number:>6} {row.messages:>9} {row.messages / 60:>6.1f} {row.errors:>7} "
            f"{row.p50 * 1000:>7.0f} {row.p95 * 1000:>7.0f} {row.p99 * 1000:>7.0f}"
        )
    if grown is None:
        print("\nmemory: not measured (--hub-url: the processes are not this run's)")
        return
    print(f"\n  {'process':<10} {'RSS start MB':>13} {'RSS end MB':>11} {'growth':>8}")
    for name in sorted(start):
        print(
            f"  {name:<10} {start[name]:>13.0f} {end.get(name, 0):>11.0f} "
            f"{grown.get(name, 0.0):>+7.1f}%"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--minutes", type=int, default=5, help="measured minutes [5]")
    parser.add_argument("--warmup", type=float, default=1.0, help="minutes before [1]")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hub-url", help="a running web app (default: start a stack)")
    parser.add_argument(
        "--rest-token",
        default=first_rest_integration()[1],
        help="an integration's token of the hub's REST webhook, with --hub-url "
        "(default: the first of $PITLANE_REST_WEBHOOK_TOKENS)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pitlane-soak-") as workdir:
        stack = None
        if not args.hub_url:
            print("==> Starting a private stack for the soak...", flush=True)
            stack = start_own_stack(Path(workdir))
            args.hub_url = stack.config.web_url
            args.rest_token = stack.environment()["PITLANE_REST_WEBHOOK_TOKENS"].partition(":")[2]
        try:
            return asyncio.run(soak(args, groups_of(stack) if stack else {}))
        finally:
            if stack:
                stack.stop()


if __name__ == "__main__":
    sys.exit(main())
