"""NLU budget benchmark (not a test): full training time, parse latency, Rasa server memory.

    .venv-rasa/bin/python bench/nlu_budget.py [--skip-train [--model PATH]] [--parses 200]

Runs in the Rasa environment. (a) `rasa train` of rasa_project/ into a temporary directory,
with an empty training cache so nothing is reused; (b) p50/p95 parse latency of a 20-word
message through a Rasa server's /model/parse (started as `make run` starts it, on spare
ports), then through the same model loaded in this process for comparison; (c) the server's
peak RSS after the parses, from /proc. (b) and (c) use the model trained in (a), or with
--skip-train the one given by --model (default: the one `make model` trained). Budgets are
issue 11's; the exit status is 1 when one is exceeded. Other work on the machine skews every
figure: the load average is printed first.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.eval_nlu import prepare_rasa  # noqa: E402
from scripts.stack import MODEL_FILE, RASA_BIN, Managed, Stack, StackConfig  # noqa: E402

PROJECT = ROOT / "rasa_project"
MESSAGE = (  # 20 words, as a customer would write a first message
    "bonjour je voudrais prendre rendez-vous pour faire la révision de ma moto "
    "la semaine prochaine de préférence le matin merci"
)
TRAIN_BUDGET_S = 300.0
PARSE_P50_BUDGET_MS = 60.0
RSS_BUDGET_MB = 1200.0  # 1.2 GB
QUIET = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}

Row = tuple[str, str, str, str]  # measure, figure, budget, verdict


class RasaOnly(Stack):
    """The Rasa server alone, started as `make run` starts it, serving `model`."""

    def __init__(self, config: StackConfig, model: Path) -> None:
        super().__init__(config)
        self.model = model

    def definitions(self) -> list[Managed]:
        rasa = next(m for m in super().definitions() if m.name == "rasa")
        rasa.command[rasa.command.index("--model") + 1] = str(self.model)
        return [rasa]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def verdict(value: float, budget: float | None) -> str:
    return "-" if budget is None else ("ok" if value <= budget else "OVER")


def row(measure: str, value: float, unit: str, budget: float | None) -> Row:
    shown_budget = "-" if budget is None else f"{budget:.0f} {unit}"
    return measure, f"{value:.1f} {unit}", shown_budget, verdict(value, budget)


def time_training(workdir: Path) -> tuple[float, Path]:
    """Wall time of a full `rasa train` into workdir, with a cold cache, and the model."""
    domain = PROJECT / ("domain.yml" if (PROJECT / "domain.yml").exists() else "domain")
    command = [str(RASA_BIN), "train", "--fixed-model-name", "bench", "--out", str(workdir)]
    command += ["--config", str(PROJECT / "config.yml"), "--data", str(PROJECT / "data")]
    command += ["--domain", str(domain), "--skip-validation"]  # as scripts/train_model.py
    # A cache of its own so nothing is reused; PYTHONPATH for our components (pitlane_nlu/),
    # which `rasa` imports from its working directory, here a temporary one.
    python_path = os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, **QUIET, "RASA_CACHE_DIRECTORY": str(workdir / "cache")}
    env["PYTHONPATH"] = python_path
    log = workdir / "train.log"
    print(f"==> rasa train into {workdir} (log: {log})...", flush=True)
    started = time.perf_counter()
    with log.open("wb") as out:
        result = subprocess.run(command, cwd=workdir, env=env, stdout=out, stderr=out)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        raise RuntimeError(f"rasa train failed ({result.returncode}):\n{tail}")
    return elapsed, workdir / "bench.tar.gz"


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p95, in milliseconds."""
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def time_parses(parse: Callable[[], object], count: int, warmup: int = 10) -> list[float]:
    for _ in range(warmup):
        parse()
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        parse()
        latencies.append(time.perf_counter() - started)
    return latencies


def server_parse(port: int, token: str) -> Callable[[], object]:
    """One parse through the server's API, authenticated as the hub is (Rasa 3.6 reads its
    --auth-token from the query string)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    path = f"/model/parse?{urlencode({'token': token})}"
    body = json.dumps({"text": MESSAGE})
    headers = {"Content-Type": "application/json"}

    def parse() -> object:
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        payload = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"/model/parse answered {answer.status}: {payload[:200]!r}")
        return payload

    return parse


def process_tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid] + [p for child in children for p in process_tree(int(child))]


def peak_rss_mb(pid: int) -> float:
    """Sum of VmHWM (peak resident set) over the process and its children, in MB."""
    total_kb = 0
    for member in process_tree(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
    return total_kb * 1024 / 1e6


def measure_server(workdir: Path, model: Path, parses: int) -> list[Row]:
    ports = {name: free_port() for name in ("rasa_port", "actions_port", "web_port")}
    server = RasaOnly(StackConfig(**ports, log_dir=workdir / "log", env=QUIET), model)
    started = time.perf_counter()
    server.start()
    ready = time.perf_counter() - started
    try:
        token = server.environment()["PITLANE_RASA_TOKEN"]
        p50, p95 = percentiles(time_parses(server_parse(ports["rasa_port"], token), parses))
        pid = server.processes[0].process.pid
        rss, processes = peak_rss_mb(pid), len(process_tree(pid))
    finally:
        server.stop()
    return [
        row("Rasa server start to healthy", ready, "s", None),
        row(f"parse p50, server /model/parse (n={parses})", p50, "ms", PARSE_P50_BUDGET_MS),
        row(f"parse p95, server /model/parse (n={parses})", p95, "ms", None),
        row(f"Rasa server peak RSS ({processes} process(es))", rss, "MB", RSS_BUDGET_MB),
    ]


def measure_in_process(model: Path, parses: int) -> list[Row]:
    prepare_rasa()
    from rasa.core.agent import Agent

    agent = Agent.load(model_path=str(model))
    loop = asyncio.new_event_loop()
    try:
        latencies = time_parses(
            lambda: loop.run_until_complete(agent.parse_message(MESSAGE)), parses
        )
    finally:
        loop.close()
    p50, p95 = percentiles(latencies)
    return [
        row(f"parse p50, in-process Agent (n={parses})", p50, "ms", None),
        row(f"parse p95, in-process Agent (n={parses})", p95, "ms", None),
    ]


def print_table(rows: list[Row]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for measure, *cells in rows:
        aligned = (f"{cell:>{width}}" for cell, width in zip(cells, widths[1:], strict=True))
        print("  " + measure.ljust(widths[0]) + "  " + "  ".join(aligned))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-train", action="store_true", help="skip the training time")
    parser.add_argument("--model", type=Path, default=MODEL_FILE, help="served with --skip-train")
    parser.add_argument("--parses", type=int, default=200, help="timed parses per path")
    args = parser.parse_args()
    if args.skip_train and not args.model.exists():
        print(f"error: no Rasa model at {args.model}: run `make model` first", file=sys.stderr)
        return 2
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"==> {os.cpu_count()} CPUs, load average {load}; message: {len(MESSAGE.split())} words")
    rows: list[Row] = [("measure", "figure", "budget", "verdict")]
    with tempfile.TemporaryDirectory(prefix="pitlane-nlu-bench-") as tmp:
        workdir, model = Path(tmp), args.model
        if not args.skip_train:
            try:
                seconds, model = time_training(workdir)
            except RuntimeError as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
            rows.append(row("full training (rasa train)", seconds, "s", TRAIN_BUDGET_S))
        print(f"==> Rasa server with {model}: parses through /model/parse...", flush=True)
        rows += measure_server(workdir, model, args.parses)
        print("==> The same model in this process...", flush=True)
        rows += measure_in_process(model, args.parses)
    print()
    print_table(rows)
    return 1 if any(r[3] == "OVER" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
