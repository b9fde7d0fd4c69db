"""Scale benchmark (not a test): the scaled stack against one bare Rasa process, and the SSE
fan-out over both web replicas.

    .venv/bin/python bench/scale_load.py [--conversations 20,1] [--rounds 2] [--tf-threads 1]
        [--sse-clients 1000] [--skip-sse]

It starts, on spare ports, the stack of `make run-scaled` (2 web replicas, 2 Rasa replicas,
the action server, nginx; a throwaway PostgreSQL database `bench_<random>` and Redis db 6
with its own key prefix) and, beside it, one Rasa process with Rasa's default settings on
the same model (its own SQLite trackers, no thread caps, the same action server). The same
conversations (bench/conversations.py) are played through nginx to the hub's REST webhook,
then straight to the bare Rasa's REST channel with the sender ids and metadata the hub would
send it (so the actions do the same work); for each: messages/s, p50, p95, errors, and
the RSS and CPU seconds per message of every process (/proc). Then N SSE clients, split
straight over the two web replicas, wait for one notification sent through nginx.

Skipped, with the reason, when nginx, PostgreSQL (PITLANE_BENCH_DATABASE_URL, default
postgres@127.0.0.1:5432) or Redis (PITLANE_BENCH_REDIS_URL, default 127.0.0.1:6379/6) is
missing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import secrets
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.conversations import Run, converse  # noqa: E402
from bench.sse_fanout import ADMIN, client  # noqa: E402
from channels.rasa_client import TOKEN_HEADER  # noqa: E402
from scripts.stack import (  # noqa: E402
    Managed,
    Stack,
    StackConfig,
    nginx_binary,
    prepare_databases,
    scaled_config,
    scaled_environment,
)

DATABASE_URL = os.environ.get(
    "PITLANE_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("PITLANE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# --- processes: RSS and CPU from /proc ---------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields from the 3rd (state) on


def _all_stats() -> dict[int, tuple[str, list[str]]]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields:
                try:
                    name = (entry / "comm").read_text().strip()
                except OSError:
                    continue
                found[int(entry.name)] = (name, fields)
    return found


Snapshot = dict[int, tuple[str, float, float]]  # pid: group, CPU seconds, RSS MB


def snapshot(groups: dict[str, int]) -> Snapshot:
    """CPU seconds and RSS of each process of a group: a managed process's session (its pid
    is the session id: started with start_new_session), PostgreSQL's and Redis's processes
    by name (every client's, not only ours), this benchmark client itself."""
    found: Snapshot = {}
    sessions = {sid: name for name, sid in groups.items()}
    for pid, (comm, fields) in _all_stats().items():
        session = int(fields[3])  # field 6: session id
        if session in sessions:
            group = sessions[session]
        elif comm.startswith("postgres"):
            group = "postgresql (all)"
        elif comm.startswith("redis-server"):
            group = "redis (all)"
        elif pid == os.getpid():
            group = "bench client"
        else:
            continue
        cpu = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
        found[pid] = (group, cpu, int(fields[21]) * PAGE / 2**20)
    return found


def spent(before: Snapshot, after: Snapshot) -> dict[str, tuple[float, float]]:
    """Each group's CPU seconds between the snapshots (processes that ended meanwhile are
    left out) and its RSS at the end."""
    totals: dict[str, tuple[float, float]] = {}
    for pid, (group, cpu, rss) in after.items():
        earlier = before.get(pid)
        used = cpu - earlier[1] if earlier and earlier[0] == group else cpu
        total = totals.get(group, (0.0, 0.0))
        totals[group] = (total[0] + used, total[1] + rss)
    return totals


def groups_of(*stacks: Stack) -> dict[str, int]:
    return {m.name: m.process.pid for stack in stacks for m in stack.processes}


# --- the conversations ---------------------------------------------------------------------


async def play(
    name: str,
    url: str,
    headers: dict[str, str],
    conversations: int,
    rounds: int,
    groups,
    straight_as: str | None = None,
) -> Run:
    """`straight_as`: `url` is Rasa, sent what the hub sends for that REST integration."""
    run = Run(name)
    limits = httpx.Limits(max_connections=conversations + 5)
    async with httpx.AsyncClient(timeout=120, headers=headers, limits=limits) as http:
        before = snapshot(groups) if groups else {}
        started = time.perf_counter()
        for _ in range(rounds):
            await asyncio.gather(
                *(converse(http, url, i, run, straight_as) for i in range(conversations))
            )
        run.elapsed = time.perf_counter() - started
        run.usage = spent(before, snapshot(groups)) if groups else {}
    return run


def print_usage(runs: list[Run]) -> None:
    """One line per process: RSS, then CPU ms per message in each run."""
    names = sorted({group for run in runs for group in run.usage})
    header = "".join(f"{run.name + ' ms/msg':>16}" for run in runs)
    print(f"  {'process':<18}{'RSS MB':>9}{header}")
    for group in names:
        rss = max(run.usage.get(group, (0.0, 0.0))[1] for run in runs)
        cells = ""
        for run in runs:
            used = run.usage.get(group, (0.0, 0.0))[0]
            per = used * 1000 / len(run.latencies) if run.latencies else 0.0
            cells += f"{per:>16.1f}"
        print(f"  {group:<18}{rss:>9.0f}{cells}")
    totals = ""
    for run in runs:
        used = sum(v[0] for k, v in run.usage.items() if "(all)" not in k and k != "bench client")
        per = used * 1000 / len(run.latencies) if run.latencies else 0.0
        totals += f"{per:>16.1f}"
    print(f"  {'our processes':<18}{'':>9}{totals}")


# --- the stacks ------------------------------------------------------------------------------


# `rasa run` as serve_rasa.py starts it (the token from the environment) but without its
# CPU savings (pitlane_nlu/rule_cache.py, action_schema.py, endpoint_sessions.py): stock
# Rasa 3.6.
STOCK_RASA = (
    "import os, sys, serve_rasa; "
    "sys.argv = serve_rasa.rasa_arguments(sys.argv[1:], os.environ); "
    "from rasa.__main__ import main; main()"
)


class BareRasa(Stack):
    """One Rasa process with Rasa's defaults (no thread caps, SQLite trackers, in-memory
    locks), stock unless `ours` (then serve_rasa.py, as every Pitlane stack runs it), using
    another stack's action server."""

    def __init__(self, config: StackConfig, ours: bool = False) -> None:
        super().__init__(config)
        self.ours = ours

    def definitions(self) -> list[Managed]:
        rasa = next(m for m in super().definitions() if m.name == "rasa")
        rasa.name = "rasa-bare"
        if not self.ours:
            rasa.command[1:2] = ["-c", STOCK_RASA]
        return [rasa]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def skip_reason() -> str | None:
    if nginx_binary() is None:
        return "nginx is not installed (scripts/ensure-nginx.sh installs it as root)"
    for url, default in ((DATABASE_URL, 5432), (REDIS_URL, 6379)):
        place = urlsplit(url)
        address = (place.hostname or "127.0.0.1", place.port or default)
        try:
            with socket.create_connection(address, 3):
                pass
        except OSError as exc:
            return f"{place.scheme} unreachable at {place.hostname}:{place.port}: {exc}"
    return None


def raise_file_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else 1 << 20
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def bench_environment(name: str) -> dict[str, str]:
    database = urlsplit(DATABASE_URL)._replace(path=f"/{name}").geturl()
    env = scaled_environment(database, REDIS_URL)
    env.update(
        {
            "PITLANE_ENV": "development",
            "PITLANE_REST_WEBHOOK_TOKENS": f"bench:{secrets.token_hex(24)}",
            "PITLANE_REDIS_PREFIX": f"{name}:",  # pub/sub channels are not per Redis db
            # every client is 127.0.0.1: the limits are counted (their cost is measured)
            # but never refuse
            "PITLANE_LIMIT_MESSAGES_PER_SENDER": "100000",
            "PITLANE_LIMIT_MESSAGES_PER_IP": "1000000",
            "PITLANE_LIMIT_SESSIONS_PER_IP": "1000000",
            "PITLANE_RASA_TIMEOUT": "120",
        }
    )
    return env


def drop_databases(*names: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    admin = create_engine(DATABASE_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def clear_redis(prefix: str) -> None:
    import redis

    store = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(store.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            store.delete(*keys)
    finally:
        store.close()


# --- the two benches -------------------------------------------------------------------------


async def chat(args, scaled: Stack, bare: Stack) -> None:
    env = scaled.environment()
    hub_url = f"{scaled.config.web_url}/webhooks/rest/webhook"
    integration, _, token = env["PITLANE_REST_WEBHOOK_TOKENS"].partition(",")[0].partition(":")
    hub_headers = {"Authorization": f"Bearer {token}"}
    bare_url = f"{bare.config.rasa_url}/webhooks/rest/webhook"
    bare_headers = {TOKEN_HEADER: bare.environment()["PITLANE_RASA_TOKEN"]}
    groups = groups_of(scaled, bare)
    # first requests (model warm-up, connection pools) stay out of the figures
    await play("warm", hub_url, hub_headers, 4, 1, None)
    await play("warm", bare_url, bare_headers, 4, 1, None, integration)
    for conversations in args.conversations:
        rounds = args.rounds if conversations > 1 else max(args.rounds, 5)
        scaled_run = await play("scaled", hub_url, hub_headers, conversations, rounds, groups)
        # the bare Rasa gets the hub's sender ids and metadata: the same work for the actions
        bare_run = await play(
            "bare", bare_url, bare_headers, conversations, rounds, groups, integration
        )
        print(
            f"\n{conversations} concurrent conversation(s) x {rounds} rounds "
            f"(Rasa replicas: {scaled.config.rasa_threads} TF thread(s) each; bare Rasa: "
            f"{'as serve_rasa.py runs it' if args.bare_ours else 'stock'})"
        )
        print(scaled_run.report())
        print(bare_run.report())
        if bare_run.throughput and scaled_run.latencies:
            added = statistics.median(scaled_run.latencies) - statistics.median(bare_run.latencies)
            print(
                f"ratio scaled/bare: throughput {scaled_run.throughput / bare_run.throughput:.2f}x;"
                f" p50 added by the scaled path {added * 1000:+.0f} ms"
            )
        print_usage([scaled_run, bare_run])


async def wait_for_streams(ready: asyncio.Event, counter: list[int], stall: float = 30) -> int:
    """How many streams said `: connected`: all of them, or as many as there are once none
    more has opened for `stall` seconds (the figures then say how many were reached)."""
    seen, since = -1, time.perf_counter()
    while not ready.is_set():
        if counter[0] != seen:
            seen, since = counter[0], time.perf_counter()
        elif time.perf_counter() - since > stall:
            break
        await asyncio.sleep(0.5)
    return counter[0]


async def sse(args, scaled: Stack) -> None:
    replicas = [f"http://127.0.0.1:{port}" for port in scaled.config.web_replicas]
    count = args.sse_clients
    limits = httpx.Limits(max_connections=count + 10, max_keepalive_connections=count + 10)
    timeout = httpx.Timeout(120.0)
    ready, counter, arrivals, retries = asyncio.Event(), [0], {}, [0]
    https = [httpx.AsyncClient(base_url=b, limits=limits, timeout=timeout) for b in replicas]
    admin = httpx.AsyncClient(base_url=scaled.config.web_url, timeout=timeout)  # nginx
    try:
        login = await admin.post("/api/staff/login", json={"email": ADMIN[0], "password": ADMIN[1]})
        admin.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        started = time.perf_counter()
        tasks = [
            asyncio.create_task(
                client(https[i % len(https)], ready, counter, count, arrivals, retries)
            )
            for i in range(count)
        ]
        opened = await wait_for_streams(ready, counter)
        failed = [t.exception() for t in tasks if t.done() and t.exception()]
        if failed:
            print(f"SSE: {len(failed)} clients failed, first: {failed[0]!r}")
        print(
            f"\nSSE: {opened}/{count} streams open in {time.perf_counter() - started:.1f} s, "
            f"split over {', '.join(replicas)} (straight), {retries[0]} reconnection(s) while "
            "opening; the notification is sent through nginx"
        )
        for round_ in range(1, args.sse_rounds + 1):
            await asyncio.sleep(1.0)
            sent = time.perf_counter()
            answer = await admin.post(
                "/api/admin/notifications", json={"title": f"Bench {round_}", "body": "fan-out"}
            )
            notification = answer.json()["id"]
            while len(arrivals.get(notification, ())) < opened and time.perf_counter() < sent + 60:
                await asyncio.sleep(0.01)
            got = sorted(t - sent for t in arrivals.get(notification, ()))
            if not got:
                print(f"  round {round_}: nobody received it")
                continue
            p95 = got[min(len(got) - 1, int(0.95 * len(got)))]
            print(
                f"  round {round_}: {len(got)}/{opened} received; first {got[0] * 1000:.0f} ms, "
                f"p50 {statistics.median(got) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
                f"last {got[-1] * 1000:.0f} ms"
            )
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await admin.aclose()
        for http in https:
            await http.aclose()


def start(args, workdir: Path, name: str) -> tuple[Stack, Stack]:
    environment = bench_environment(name)
    config = scaled_config(
        environment,
        web_ports=(free_port(), free_port()),
        rasa_ports=(free_port(), free_port()),
        proxy_port=free_port(),
        rasa_port=free_port(),
        actions_port=free_port(),
        log_dir=workdir / "scaled" / "log",
    )
    config.rasa_threads = args.tf_threads
    prepare_databases(config)
    scaled = Stack(config)
    scaled.start()
    secret = scaled.environment()["PITLANE_ACTION_SERVER_TOKEN"]
    bare = BareRasa(
        StackConfig(
            rasa_port=free_port(),
            actions_port=config.actions_port,
            web_port=free_port(),
            log_dir=workdir / "bare" / "log",
            env={"PITLANE_ACTION_SERVER_TOKEN": secret},
        ),
        ours=args.bare_ours,
    )
    try:
        bare.start()
    except BaseException:
        scaled.stop()
        raise
    return scaled, bare


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--conversations",
        default="20,1",
        type=lambda value: [int(item) for item in value.split(",")],
        help="concurrency levels, comma-separated (default 20,1)",
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tf-threads", type=int, default=1, help="per Rasa replica")
    parser.add_argument(
        "--bare-ours",
        action="store_true",
        help="the bare Rasa with serve_rasa.py's CPU savings too (pitlane_nlu/rule_cache.py, "
        "action_schema.py, endpoint_sessions.py; default: stock Rasa)",
    )
    parser.add_argument("--sse-clients", type=int, default=1000)
    parser.add_argument("--sse-rounds", type=int, default=3)
    parser.add_argument("--skip-sse", action="store_true")
    parser.add_argument("--skip-chat", action="store_true")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    reason = skip_reason()
    if reason:
        print(f"scale benchmark skipped: {reason}")
        return 0
    print(f"file descriptor limit: {raise_file_limit()}; load average: {os.getloadavg()}")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    scaled = bare = None
    with tempfile.TemporaryDirectory(prefix="pitlane-scale-bench-") as workdir:
        try:
            scaled, bare = start(args, Path(workdir), name)
            if not args.skip_chat:
                asyncio.run(chat(args, scaled, bare))
            if not args.skip_sse:
                asyncio.run(sse(args, scaled))
        finally:
            for stack in (bare, scaled):
                if stack:
                    stack.stop()
            drop_databases(name, f"{name}_rasa")
            clear_redis(f"{name}:")
    return 0


if __name__ == "__main__":
    sys.exit(main())
