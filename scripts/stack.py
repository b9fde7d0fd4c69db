"""Start, watch and stop Pitlane's three processes: Rasa server, action server, web app.

Used by `make run` (scripts/run.py) and by the end-to-end tests, so both run the processes
exactly the same way. Standard library only: it runs before anything else is known to work.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = RASA_BIN.parent / "python"
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
MODEL_FILE = ROOT / "rasa_project" / "models" / "pitlane.tar.gz"
# Shared secrets hub -> Rasa and Rasa -> action server (docs/security.md): from the
# environment, else one random value per run, so a fresh clone runs with no configuration.
SECRETS = ("PITLANE_RASA_TOKEN", "PITLANE_ACTION_SERVER_TOKEN", "PITLANE_REST_WEBHOOK_TOKENS")
# Rasa's trackers (rasa_project/endpoints.yml: an SQLite file, relative paths from ROOT);
# unset: beside the stack's log folder (var/ for make run), so that two stacks (make run,
# each test stack, the benchmark) never share trackers.
TRACKER_DB = "PITLANE_RASA_TRACKER_DB"


class StackError(RuntimeError):
    """A process did not start or did not become healthy."""


@dataclass
class StackConfig:
    rasa_port: int = 5005
    actions_port: int = 5055
    web_port: int = 8000
    host: str = "127.0.0.1"
    log_dir: Path = ROOT / "var" / "log"
    env: dict[str, str] = field(default_factory=dict)  # extra PITLANE_* settings

    @classmethod
    def from_environment(cls) -> StackConfig:
        return cls(
            rasa_port=int(os.environ.get("PITLANE_RASA_PORT", 5005)),
            actions_port=int(os.environ.get("PITLANE_ACTIONS_PORT", 5055)),
            web_port=int(os.environ.get("PITLANE_PORT", 8000)),
            host=os.environ.get("PITLANE_HOST", "127.0.0.1"),
            log_dir=Path(os.environ.get("PITLANE_LOG_DIR", ROOT / "var" / "log")),
        )

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"


@dataclass
class Managed:
    name: str
    command: list[str]
    cwd: Path
    health_url: str
    timeout: float
    process: subprocess.Popen | None = None

    def describe_failure(self, log_file: Path) -> str:
        tail = log_file.read_text(errors="replace").splitlines()[-25:] if log_file.exists() else []
        return f"{self.name} failed to start; last lines of {log_file}:\n" + "\n".join(tail)


class Stack:
    """The three processes, started in order and stopped together."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: list[Managed] = []
        self.generated = {name: secrets.token_hex(32) for name in SECRETS}
        # The hub's REST webhook: one integration named "dev" (docs/security.md).
        self.generated["PITLANE_REST_WEBHOOK_TOKENS"] = f"dev:{secrets.token_hex(24)}"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "PITLANE_RASA_URL": self.config.rasa_url,
                "PITLANE_HOST": self.config.host,
                "PITLANE_PORT": str(self.config.web_port),
                "PITLANE_ACTION_ENDPOINT_URL": f"{self.config.actions_url}/webhook",
                "RASA_TELEMETRY_ENABLED": "false",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.config.env)
        for name in SECRETS:  # set for all three processes: they beat any .env value
            env[name] = env.get(name, "").strip() or self.generated[name]
        own = self.config.log_dir.parent / "rasa-trackers.db"
        env[TRACKER_DB] = str(ROOT / (env.get(TRACKER_DB, "").strip() or own))
        return env

    def definitions(self) -> list[Managed]:
        c = self.config
        return [
            Managed(
                "actions",  # rasa-sdk behind our token check (actions/serve.py), on loopback
                [
                    str(APP_PYTHON),
                    "-m",
                    "actions.serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(c.actions_port),
                ],
                ROOT,
                f"{c.actions_url}/health",
                90,
            ),
            Managed(
                "rasa",
                [
                    str(RASA_PYTHON),
                    "serve_rasa.py",  # `rasa run --enable-api`, the token from the environment
                    "--interface",
                    "127.0.0.1",
                    "--port",
                    str(c.rasa_port),
                    "--model",
                    str(MODEL_FILE),
                    "--endpoints",
                    "endpoints.yml",
                    "--credentials",
                    "credentials.yml",
                ],
                ROOT / "rasa_project",
                f"{c.rasa_url}/version",  # the one API route without the token
                240,
            ),
            Managed(
                "web",
                [str(APP_PYTHON), "-m", "webapp"],  # uvicorn on PITLANE_HOST:PITLANE_PORT
                ROOT,
                f"{c.web_url}/healthz",
                60,
            ),
        ]

    def log_file(self, name: str) -> Path:
        return self.config.log_dir / f"{name}.log"

    def start(self, announce=print) -> None:
        """Start every process and wait until each answers its health check."""
        if not MODEL_FILE.exists():
            raise StackError(f"no Rasa model at {MODEL_FILE}: run `make model` first")
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        Path(env[TRACKER_DB]).parent.mkdir(parents=True, exist_ok=True)
        pending = self.definitions()
        for managed in pending:
            log = self.log_file(managed.name).open("ab")
            announce(f"==> Starting {managed.name} (log: {self.log_file(managed.name)})")
            managed.process = subprocess.Popen(
                managed.command,
                cwd=managed.cwd,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            log.close()
            self.processes.append(managed)
        try:
            for managed in pending:
                self._wait_healthy(managed, announce)
        except BaseException:
            self.stop()
            raise

    def _wait_healthy(self, managed: Managed, announce) -> None:
        deadline = time.monotonic() + managed.timeout
        while time.monotonic() < deadline:
            if managed.process.poll() is not None:
                raise StackError(managed.describe_failure(self.log_file(managed.name)))
            if _answers(managed.health_url):
                announce(f"==> {managed.name} is healthy ({managed.health_url})")
                return
            time.sleep(0.5)
        raise StackError(
            f"timed out after {managed.timeout:.0f} s. "
            + managed.describe_failure(self.log_file(managed.name))
        )

    def exited(self) -> Managed | None:
        """The first process that stopped by itself, if any."""
        return next((m for m in self.processes if m.process.poll() is not None), None)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM each process group, then SIGKILL what is still there after `timeout`."""
        for managed in reversed(self.processes):
            _signal_group(managed.process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for managed in self.processes:
            try:
                managed.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(managed.process, signal.SIGKILL)
                managed.process.wait(5)
        self.processes = []


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
            os.killpg(process.pid, sig)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False
