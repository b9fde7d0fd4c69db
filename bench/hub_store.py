"""The hub's own database work per customer message, without Rasa or HTTP: storing the
message (hub/store.py `store_inbound`) and storing two answers with the message's final
status (`store_outbound`), on SQLite and, when it answers, PostgreSQL, side by side in one
run. Prints per message: the median and p95 milliseconds of each step, the SQL statements
and the commits.

    .venv/bin/python bench/hub_store.py [--messages 300] [--postgres URL]

The databases are throwaway ones (a temporary SQLite file; a PostgreSQL database created and
dropped on the server of `--postgres`, by default $PITLANE_BENCH_POSTGRES_URL or the local
one). 20 conversations take turns, on the REST channel (the one that also reads what was
sent out of turn), from one client address.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bench.throwaway_db import both_databases  # noqa: E402
from core.db import make_engine, make_session_factory  # noqa: E402
from core.manage import migrate  # noqa: E402
from core.uow import uow_factory  # noqa: E402
from hub import store  # noqa: E402
from hub.messages import Button, OutgoingMessage  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ANSWERS = [
    OutgoingMessage(text="Bonjour ! Je suis l'assistant Pitlane."),
    OutgoingMessage(
        text="Que puis-je faire pour vous ?",
        buttons=[Button("Entretien", "/check_maintenance"), Button("Menu", "/show_menu")],
    ),
]


def measure(url: str, messages: int) -> str:
    migrate(url)
    engine = make_engine(url)
    statements, commits = [0], [0]
    event.listen(
        engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1)
    )
    event.listen(engine, "commit", lambda *_: commits.__setitem__(0, commits[0] + 1))
    uow = uow_factory(make_session_factory(engine))
    inbound_ms, outbound_ms = [], []
    for i in range(messages + 20):  # the first 20 open the conversations: not counted
        if i == 20:
            statements[0] = commits[0] = 0
        started = time.perf_counter()
        inbound = store.store_inbound(
            uow, "rest", f"bench-{i % 20}", "bonjour je voudrais un rdv", "fr", True, (), "10.0.0.1"
        )
        stored = time.perf_counter()
        store.store_outbound(uow, inbound, "answered", ANSWERS)
        done = time.perf_counter()
        if i >= 20:
            inbound_ms.append((stored - started) * 1000)
            outbound_ms.append((done - stored) * 1000)
    engine.dispose()

    def figures(values: list[float]) -> str:
        p95 = statistics.quantiles(values, n=20)[-1]
        return f"p50 {statistics.median(values):5.2f} ms, p95 {p95:5.2f} ms"

    return (
        f"  store_inbound  {figures(inbound_ms)}\n"
        f"  store_outbound {figures(outbound_ms)}\n"
        f"  per message: {statements[0] / messages:.1f} SQL statements, "
        f"{commits[0] / messages:.1f} commits"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument(
        "--postgres", default=os.environ.get("PITLANE_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    args = parser.parse_args()
    for name, url, _ in both_databases(args.postgres):
        print(f"{name}, {args.messages} messages:")
        print(measure(url, args.messages))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
