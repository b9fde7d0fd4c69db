"""Where Rasa's CPU goes per message (not a test): each NLU component's time for typed text and
for button payloads (`/intent{...}`), and the dialogue policies' time, with the model loaded
in this process.

    .venv-rasa/bin/python bench/nlu_cost.py [--model PATH] [--repeat 20]

Runs in the Rasa environment. Every graph node (GraphNode.__call__) is timed with the
process's CPU clock; the messages are those of bench/conversations.py, split into typed text
and payloads. The policies are timed on a tracker holding the parsed message.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "rasa_project"))  # pitlane_nlu, the model's own component

from bench.conversations import SCRIPTS  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from rasa.core.agent import Agent  # noqa: E402
from rasa.engine.graph import GraphNode  # noqa: E402
from rasa.shared.core.events import ActionExecuted, UserUttered  # noqa: E402
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402
from rasa.utils.log_utils import configure_structlog  # noqa: E402

MODEL = ROOT / "rasa_project" / "models" / "pitlane.tar.gz"
SECONDS: dict[str, float] = defaultdict(float)


def timed_nodes() -> None:
    """Accumulate each node's CPU seconds in SECONDS (the graph runs synchronously)."""
    original = GraphNode.__call__

    def call(self, *inputs):
        started = time.process_time()
        try:
            return original(self, *inputs)
        finally:
            SECONDS[self._node_name] += time.process_time() - started

    GraphNode.__call__ = call


def measure(agent: Agent, messages: list[str], repeat: int) -> tuple[dict[str, float], float]:
    """Per-node CPU ms per message, and the whole parse's CPU ms per message."""
    processor = agent.processor
    from rasa.core.channels.channel import UserMessage

    SECONDS.clear()
    started = time.process_time()
    for _ in range(repeat):
        for text in messages:
            asyncio.run(processor.parse_message(UserMessage(text, sender_id="cost")))
    total = time.process_time() - started
    count = repeat * len(messages)
    return {name: s * 1000 / count for name, s in SECONDS.items()}, total * 1000 / count


def measure_policies(agent: Agent, messages: list[str], repeat: int) -> dict[str, float]:
    from rasa.core.channels.channel import UserMessage

    processor = agent.processor
    trackers = []
    for text in messages:
        parsed = asyncio.run(processor.parse_message(UserMessage(text, sender_id="cost")))
        events = [
            ActionExecuted("action_session_start"),
            ActionExecuted("action_listen"),
            UserUttered(text, parsed["intent"], parsed["entities"], parsed),
        ]
        trackers.append(DialogueStateTracker.from_events("cost", events, agent.domain.slots))
    SECONDS.clear()
    for _ in range(repeat):
        for tracker in trackers:
            processor.predict_next_with_tracker(tracker)
    count = repeat * len(trackers)
    return {name: s * 1000 / count for name, s in SECONDS.items()}


def print_nodes(title: str, nodes: dict[str, float], total: float | None = None) -> None:
    print(f"\n{title}")
    for name, ms in sorted(nodes.items(), key=lambda item: -item[1]):
        if ms >= 0.01:
            print(f"  {ms:7.2f} ms  {name}")
    if total is not None:
        print(f"  {total:7.2f} ms  whole parse (CPU per message)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--wide-rule-cache",
        action="store_true",
        help="as serve_rasa.py runs Rasa: RulePolicy's cache widened (pitlane_nlu/rule_cache.py)",
    )
    parser.add_argument(
        "--indexed-rules",
        action="store_true",
        help="RulePolicy's rule keys indexed too, as serve_rasa.py does (rule_cache.py)",
    )
    args = parser.parse_args()
    configure_structlog(logging.WARNING)  # Rasa's debug lines would be timed too
    logging.getLogger("rasa").setLevel(logging.WARNING)
    if args.wide_rule_cache:
        from pitlane_nlu import rule_cache

        print(f"RulePolicy's rule cache widened: {rule_cache.widen()}")
    if args.indexed_rules:
        from pitlane_nlu import rule_cache

        print(f"RulePolicy's rule keys indexed: {rule_cache.index()}")
    agent = Agent.load(str(args.model))
    timed_nodes()
    messages = [text for script in SCRIPTS for text in script]
    typed = [text for text in messages if not text.startswith("/")]
    payloads = [text for text in messages if text.startswith("/")]
    payloads += ['/choose{"agency": "lyon-gerland"}', "/affirm", "/usage_road"]
    measure(agent, messages, 2)  # warm-up
    print(f"{len(typed)} typed messages, {len(payloads)} payloads, x{args.repeat}; CPU ms/message")
    for title, batch in (("typed text", typed), ("payloads /intent{...}", payloads)):
        nodes, total = measure(agent, batch, args.repeat)
        print_nodes(f"NLU graph, {title}:", nodes, total)
    print_nodes("Dialogue policies, one prediction:", measure_policies(agent, typed, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
