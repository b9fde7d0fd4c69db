"""Chat load benchmark: N concurrent scripted conversations against the hub and, in the same
run, against Rasa's own REST channel; prints messages/s and p50/p95 latency for both and the
hub/Rasa ratio (the cost of storing every message and routing it). Rasa is sent straight what
the hub would send it (its sender ids and metadata), so the actions do the same work on both
sides: they find the customer of a `channel:external_id` sender.

    .venv/bin/python bench/chat_load.py [--conversations 20,1] [--rounds 2]
    PITLANE_RASA_TOKEN=... .venv/bin/python bench/chat_load.py --hub-url http://127.0.0.1:8000 \
        --rasa-url http://127.0.0.1:5005

Without URLs it starts its own stack (Rasa, actions, web) on spare ports with a throwaway
SQLite database, so a running `make run` and the demo data are left alone. The script does
not book anything: bookings would fill the calendars it measures against.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.conversations import (  # noqa: E402
    SCRIPTS,
    Run,
    converse,
    first_rest_integration,
    messages_per_round,
    say,
)
from channels.rasa_client import TOKEN_HEADER  # noqa: E402
from scripts.stack import Stack, StackConfig  # noqa: E402


async def play(
    name: str,
    base_url: str,
    conversations: int,
    rounds: int,
    headers: dict[str, str],
    straight_as: str | None = None,
) -> Run:
    """`straight_as`: `base_url` is Rasa, sent what the hub sends for that integration."""
    run = Run(name)
    url = f"{base_url}/webhooks/rest/webhook"
    async with httpx.AsyncClient(timeout=60, headers=headers) as client:
        started = time.perf_counter()
        for _ in range(rounds):
            await asyncio.gather(
                *(converse(client, url, i, run, straight_as) for i in range(conversations))
            )
        run.elapsed = time.perf_counter() - started
    return run


async def alternate(
    args: argparse.Namespace, rounds: int, headers: dict[str, str]
) -> tuple[Run, Run]:
    """One conversation at a time, every script once a round, through the hub and straight
    to Rasa in turn, message by message (each round starting with the other side), so the
    machine's drift touches both alike; returns the hub's run and Rasa's."""
    hub, rasa = Run("hub"), Run("rasa")
    hub_url, rasa_url = (f"{base}/webhooks/rest/webhook" for base in (args.hub_url, args.rasa_url))
    as_hub = {TOKEN_HEADER: args.rasa_token}
    async with httpx.AsyncClient(timeout=60) as client:
        for round_ in range(rounds):
            for index, script in enumerate(SCRIPTS):
                senders = [f"bench-{side}-{round_}-{index}-{uuid.uuid4().hex[:8]}" for side in "hr"]
                hub_side = (hub_url, senders[0], hub, None, headers)
                rasa_side = (rasa_url, senders[1], rasa, args.integration, as_hub)
                first, second = (hub_side, rasa_side) if round_ % 2 == 0 else (rasa_side, hub_side)
                for text in script:
                    for url, sender, run, straight_as, side_headers in (first, second):
                        await say(client, url, sender, text, run, straight_as, side_headers)
    for run in (hub, rasa):  # each side's own time: its messages' round trips
        run.elapsed = sum(run.latencies)
    return hub, rasa


def start_own_stack(workdir: Path) -> Stack:
    db_url = f"sqlite:///{workdir / 'bench.db'}"
    env = {
        "PITLANE_DATABASE_URL": db_url,
        # Every conversation comes from 127.0.0.1: the limits are counted (their cost is part
        # of the hub's path) but set high enough that none is refused.
        "PITLANE_LIMIT_MESSAGES_PER_IP": "1000000",
        "PITLANE_LIMIT_MESSAGES_PER_SENDER": "100000",
    }
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "core.manage", "init"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
    )
    config = StackConfig(
        rasa_port=5105, actions_port=5155, web_port=8100, log_dir=workdir / "log", env=env
    )
    stack = Stack(config)
    stack.start()
    return stack


async def main_async(args: argparse.Namespace) -> None:
    # Warm both paths once so model loading and first-request costs stay out of the numbers.
    # Rasa answers only the hub: its channel wants the hub's shared secret (docs/security.md).
    as_hub = {TOKEN_HEADER: args.rasa_token}
    # The hub's REST webhook wants an integration's credential (PITLANE_REST_WEBHOOK_TOKENS).
    integration = {"Authorization": f"Bearer {args.rest_token}"}
    await play("warm", args.hub_url, 2, 1, integration)
    await play("warm", args.rasa_url, 2, 1, as_hub, args.integration)
    for conversations in args.conversations:
        if conversations == 1:  # latency: both sides in turn, every script
            rounds = max(args.rounds, 5)
            hub, rasa = await alternate(args, rounds, integration)
            print(
                f"\n1 conversation at a time x {rounds} rounds of every script, "
                f"{sum(map(len, SCRIPTS))} messages a round, the hub and Rasa straight in turn"
            )
        else:
            rounds = args.rounds
            hub = await play("hub", args.hub_url, conversations, rounds, integration)
            # Rasa straight gets the hub's sender ids and metadata: the actions do the same
            rasa = await play(
                "rasa", args.rasa_url, conversations, rounds, as_hub, args.integration
            )
            print(
                f"\n{conversations} concurrent conversation(s) x {rounds} rounds, "
                f"{messages_per_round(conversations)} messages a round"
            )
        print(hub.report())
        print(rasa.report())
        if rasa.throughput and hub.latencies:
            added = statistics.median(hub.latencies) - statistics.median(rasa.latencies)
            print(
                f"ratio hub/rasa: throughput {hub.throughput / rasa.throughput:.2f}, "
                f"p50 added by the hub {added * 1000:+.1f} ms"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--conversations",
        default="20,1",
        type=lambda value: [int(item) for item in value.split(",")],
        help="concurrency levels, comma-separated (default 20,1)",
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--hub-url")
    parser.add_argument("--rasa-url")
    parser.add_argument(
        "--rasa-token",
        default=os.environ.get("PITLANE_RASA_TOKEN", ""),
        help="the hub's Rasa secret, with --rasa-url (default: $PITLANE_RASA_TOKEN)",
    )
    integration, token = first_rest_integration()
    parser.add_argument(
        "--rest-token",
        default=token,
        help="an integration's token of the hub's REST webhook, with --hub-url "
        "(default: the first of $PITLANE_REST_WEBHOOK_TOKENS)",
    )
    parser.add_argument(
        "--integration",
        default=integration or "dev",
        help="that integration's name, with --hub-url (default: the first of "
        "$PITLANE_REST_WEBHOOK_TOKENS): the sender ids Rasa is sent straight",
    )
    args = parser.parse_args()
    stack = None
    with tempfile.TemporaryDirectory(prefix="pitlane-bench-") as workdir:
        if not (args.hub_url and args.rasa_url):
            print("==> Starting a private stack for the benchmark...")
            stack = start_own_stack(Path(workdir))
            args.hub_url, args.rasa_url = stack.config.web_url, stack.config.rasa_url
            env = stack.environment()
            args.rasa_token = env["PITLANE_RASA_TOKEN"]
            args.integration, _, args.rest_token = env["PITLANE_REST_WEBHOOK_TOKENS"].partition(":")
        try:
            asyncio.run(main_async(args))
        finally:
            if stack:
                stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
