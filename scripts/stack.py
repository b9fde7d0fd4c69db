"""Start, watch and stop Pitlane's processes: Rasa server, action server, web app, and for
the scaled run N web replicas, M Rasa replicas and nginx in front of both.

Used by `make run` (scripts/run.py), `make run-scaled` (scripts/run_scaled.py) and by the
end-to-end and scale tests, so all run the processes exactly the same way. Standard library
only: it runs before anything else is known to work.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = RASA_BIN.parent / "python"
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
MODEL_FILE = ROOT / "rasa_project" / "models" / "pitlane.tar.gz"
# Shared secrets hub -> Rasa and Rasa -> action server (docs/security.md): from the
# environment, else one random value per run, so a fresh clone runs with no configuration.
SECRETS = (
    "PITLANE_RASA_TOKEN",
    "PITLANE_ACTION_SERVER_TOKEN",
    "PITLANE_REST_WEBHOOK_TOKENS",
    "PITLANE_METRICS_TOKEN",  # Prometheus's bearer token for /metrics (docs/operations.md)
)
# Rasa's trackers (rasa_project/endpoints.yml: an SQLite file, relative paths from ROOT);
# unset: beside the stack's log folder (var/ for make run), so that two stacks (make run,
# each test stack, the benchmark) never share trackers.
TRACKER_DB = "PITLANE_RASA_TRACKER_DB"
# Rasa's endpoints with trackers in PostgreSQL and locks in Redis (the scaled run, compose).
SCALED_ENDPOINTS = ROOT / "deploy" / "rasa-endpoints.yml"


def tf_threads(count: int) -> dict[str, str]:
    """The environment that caps one Rasa process's TensorFlow and OpenMP pools at `count`."""
    return {
        "TF_INTRA_OP_PARALLELISM_THREADS": str(count),
        "TF_INTER_OP_PARALLELISM_THREADS": str(count),
        "OMP_NUM_THREADS": str(count),
    }


# Several Rasa processes on few cores: one TensorFlow/OpenMP thread each, so they share the
# cores instead of each spreading over all of them (issue 15, item 3). 2 threads each did no
# better on 2 cores (`bench/scale_load.py --tf-threads 2`; docs/scaling.md, "Benchmark").
ONE_THREAD = tf_threads(1)


def nginx_binary() -> str | None:
    """nginx's executable: PITLANE_NGINX, else on PATH, else Debian's /usr/sbin/nginx (not
    on a normal user's PATH); None when there is none."""
    configured = os.environ.get("PITLANE_NGINX", "").strip()
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    return found if os.access(found, os.X_OK) else None


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
    # The scaled run: web and Rasa replicas on these ports (empty: one on web_port, one on
    # rasa_port) and nginx on proxy_port in front of the web replicas and on rasa_port in
    # front of the Rasa replicas (the hub's PITLANE_RASA_URL stays rasa_url).
    web_ports: tuple[int, ...] = ()
    rasa_ports: tuple[int, ...] = ()
    proxy_port: int | None = None
    rasa_endpoints: Path = ROOT / "rasa_project" / "endpoints.yml"
    rasa_threads: int = 1  # TensorFlow/OpenMP threads of each Rasa replica (not of one Rasa)

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
        """Where clients go: nginx when it runs, else the one web process."""
        return f"http://127.0.0.1:{self.proxy_port or self.web_port}"

    @property
    def web_replicas(self) -> tuple[int, ...]:
        return self.web_ports or (self.web_port,)

    @property
    def rasa_replicas(self) -> tuple[int, ...]:
        return self.rasa_ports or (self.rasa_port,)

    @property
    def nginx_dir(self) -> Path:
        return self.log_dir.parent / "nginx"


@dataclass
class Managed:
    name: str
    command: list[str]
    cwd: Path
    health_url: str  # its readiness probe (docs/operations.md, "Health and readiness")
    timeout: float
    env: dict[str, str] = field(default_factory=dict)  # this process's own settings
    process: subprocess.Popen | None = None
    # The environment variable whose value the probe sends as ?token= (Rasa's /status);
    # health_url, which is printed, never holds it.
    token_variable: str | None = None

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
                "PITLANE_ACTIONS_URL": self.config.actions_url,  # the web's /readyz asks it
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
        if bool(c.rasa_ports) != bool(c.proxy_port):
            raise StackError("Rasa replicas (rasa_ports) and nginx (proxy_port) go together")
        actions = Managed(
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
            f"{c.actions_url}/readyz",  # open without the token: its database answers
            90,
        )
        rasa = [_rasa(name, port, c) for name, port in _named("rasa", c.rasa_replicas)]
        web = [
            Managed(
                name,
                [str(APP_PYTHON), "-m", "webapp"],  # uvicorn on PITLANE_HOST:PITLANE_PORT
                ROOT,
                f"http://127.0.0.1:{port}/readyz",  # its database (and Redis) answer
                60,
                env={
                    "PITLANE_PORT": str(port),
                    "PITLANE_LOG_PROCESS": name,
                    **self._own_files(name),
                },
            )
            for name, port in _named("web", c.web_replicas)
        ]
        return [actions, *rasa, *web, *([self._nginx()] if c.proxy_port else [])]

    def _own_files(self, name: str) -> dict[str, str]:
        """Replicas get no shared folder: a file one wrote must reach the others through the
        database (PITLANE_UPLOAD_STORE=database), as on separate machines."""
        if not self.config.web_ports:
            return {}
        return {"PITLANE_UPLOAD_DIR": str(self.config.log_dir.parent / f"uploads-{name}")}

    def _nginx(self) -> Managed:
        """nginx in the foreground, its configuration rendered from deploy/nginx/."""
        try:
            from scripts import nginx_conf
        except ModuleNotFoundError:  # run as scripts/run_scaled.py: scripts/ is on sys.path
            import nginx_conf
        c = self.config
        conf = nginx_conf.Scaled(
            var_dir=c.nginx_dir,
            listen=f"{c.host}:{c.proxy_port}",
            web_ports=c.web_replicas,
            rasa_listen=f"127.0.0.1:{c.rasa_port}",
            rasa_ports=c.rasa_replicas,
        ).write()
        error_log = c.nginx_dir.resolve() / "error.log"
        binary = nginx_binary()
        if binary is None:
            raise StackError("nginx is not installed: sudo apt-get install nginx")
        command = [binary, "-c", str(conf), "-e", str(error_log), "-g", "daemon off;"]
        return Managed("nginx", command, ROOT, f"{c.web_url}/readyz", 30)

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
            if managed.name == "nginx":  # in front of the others: started once they answer
                continue
            self._launch(managed, env, announce)
        try:
            for managed in pending:
                if managed.name == "nginx":
                    self._launch(managed, env, announce)
                self._wait_healthy(managed, announce)
        except BaseException:
            self.stop()
            raise

    def _launch(self, managed: Managed, env: dict[str, str], announce) -> None:
        log = self.log_file(managed.name).open("ab")
        announce(f"==> Starting {managed.name} (log: {self.log_file(managed.name)})")
        managed.process = subprocess.Popen(
            managed.command,
            cwd=managed.cwd,
            env={**env, **managed.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.processes.append(managed)

    def kill(self, name: str) -> None:
        """SIGKILL one process (a replica dying with no warning) and forget it."""
        managed = self._named(name)
        _signal_group(managed.process, signal.SIGKILL)
        managed.process.wait(10)
        self.processes.remove(managed)

    def restart(self, name: str, announce=print) -> None:
        """Start a process again (after `kill`) and wait until it answers."""
        managed = next(m for m in self.definitions() if m.name == name)
        self._launch(managed, self.environment(), announce)
        self._wait_healthy(managed, announce)

    def _named(self, name: str) -> Managed:
        found = [m for m in self.processes if m.name == name]
        if not found:
            raise StackError(f"no running process named {name}")
        return found[0]

    def _wait_healthy(self, managed: Managed, announce) -> None:
        url = managed.health_url
        if managed.token_variable:
            token = self.environment()[managed.token_variable]
            url += f"?{urlencode({'token': token})}"
        found = wait_ready(url, managed.timeout, lambda: managed.process.poll() is None)
        if found == "ready":
            announce(f"==> {managed.name} is ready ({managed.health_url})")
            return
        failure = managed.describe_failure(self.log_file(managed.name))
        if found == "exited":
            raise StackError(failure)
        raise StackError(f"timed out after {managed.timeout:.0f} s. {failure}")

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


def _named(kind: str, ports: tuple[int, ...]) -> list[tuple[str, int]]:
    """("web", port) for one process; ("web-1", port), ("web-2", port)... for replicas."""
    if len(ports) == 1:
        return [(kind, ports[0])]
    return [(f"{kind}-{index}", port) for index, port in enumerate(ports, start=1)]


def _rasa(name: str, port: int, config: StackConfig) -> Managed:
    return Managed(
        name,
        [
            str(RASA_PYTHON),
            "serve_rasa.py",  # `rasa run --enable-api`, the token from the environment
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
            "--model",
            str(MODEL_FILE),
            "--endpoints",
            str(config.rasa_endpoints),
            "--credentials",
            "credentials.yml",
            *rasa_logging(config.env),
        ],
        ROOT / "rasa_project",
        f"http://127.0.0.1:{port}/status",  # 200 with a loaded model (409: the load failed)
        240,
        env={
            **(tf_threads(config.rasa_threads) if config.rasa_ports else {}),
            "PITLANE_LOG_PROCESS": name,
        },
        token_variable="PITLANE_RASA_TOKEN",  # /status is Rasa's API: the token
    )


def rasa_logging(env: dict[str, str]) -> list[str]:
    """Rasa's JSON, redacted logs (rasa_project/logging.yml), unless PITLANE_LOG_FORMAT=text."""
    chosen = env.get("PITLANE_LOG_FORMAT") or os.environ.get("PITLANE_LOG_FORMAT", "json")
    return [] if chosen.strip().lower() == "text" else ["--logging-config-file", "logging.yml"]


def scaled_environment(database_url: str, redis_url: str, tracker_url: str = "") -> dict[str, str]:
    """The settings of the scaled run: the core store in PostgreSQL (`database_url`), the
    bus in Redis (`redis_url`), and for Rasa (deploy/rasa-endpoints.yml) its trackers in
    `tracker_url` (default: database `<name>_rasa` on the same server) and its locks in
    Redis db 1 of `redis_url`'s server."""
    database = urlsplit(database_url)
    if not database.scheme.startswith("postgresql"):
        raise StackError(f"the scaled run needs PostgreSQL, not {database.scheme or database_url}")
    name = database.path.lstrip("/")
    tracker = urlsplit(tracker_url or database._replace(path=f"/{name}_rasa").geturl())
    redis = urlsplit(redis_url)
    if redis.scheme != "redis":
        raise StackError(f"PITLANE_REDIS_URL must be a redis:// URL, not {redis_url!r}")
    return {
        "PITLANE_DATABASE_URL": database_url,
        "PITLANE_REDIS_URL": redis_url,
        "RASA_TRACKER_DB_HOST": tracker.hostname or "127.0.0.1",
        "RASA_TRACKER_DB_PORT": str(tracker.port or 5432),
        "RASA_TRACKER_DB_NAME": tracker.path.lstrip("/"),
        "RASA_TRACKER_DB_USER": unquote(tracker.username or ""),
        "RASA_TRACKER_DB_PASSWORD": unquote(tracker.password or ""),
        "RASA_LOCK_STORE_HOST": redis.hostname or "127.0.0.1",
        "RASA_LOCK_STORE_PORT": str(redis.port or 6379),
    }


def tracker_database_url(environment: dict[str, str]) -> str:
    """The SQLAlchemy URL (psycopg) of the database Rasa's trackers go to."""
    user = quote(environment["RASA_TRACKER_DB_USER"], safe="")
    password = quote(environment["RASA_TRACKER_DB_PASSWORD"], safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host, port = environment["RASA_TRACKER_DB_HOST"], environment["RASA_TRACKER_DB_PORT"]
    return f"postgresql+psycopg://{credentials}{host}:{port}/{environment['RASA_TRACKER_DB_NAME']}"


def scaled_config(
    environment: dict[str, str],
    web_ports: tuple[int, ...] = (8101, 8102),
    rasa_ports: tuple[int, ...] = (5006, 5007),
    proxy_port: int = 8080,
    rasa_port: int = 5005,
    actions_port: int = 5055,
    host: str = "127.0.0.1",
    log_dir: Path = ROOT / "var" / "log",
) -> StackConfig:
    """The scaled run: `environment` (scaled_environment and more) for every process, nginx
    trusted for X-Forwarded-For, uploads in the database, the scheduler on every replica (one
    leader sends, PostgreSQL advisory lock)."""
    env = {
        "PITLANE_TRUSTED_PROXIES": "127.0.0.1",  # nginx, on loopback
        "PITLANE_UPLOAD_STORE": "database",
        "PITLANE_SCHEDULER": "on",
        **environment,
    }
    return StackConfig(
        rasa_port=rasa_port,
        actions_port=actions_port,
        web_port=web_ports[0],
        host=host,
        log_dir=log_dir,
        env=env,
        web_ports=web_ports,
        rasa_ports=rasa_ports,
        proxy_port=proxy_port,
        rasa_endpoints=SCALED_ENDPOINTS,
    )


def prepare_databases(config: StackConfig, announce=print) -> None:
    """Create Rasa's tracker database, then create, migrate and seed the core database ONCE
    (`core.manage init`), before any replica starts."""
    env = {**os.environ, **config.env}
    steps = [
        ("create-db", {"PITLANE_DATABASE_URL": tracker_database_url(config.env)}),
        ("init", {}),
    ]
    for command, extra in steps:
        announce(f"==> python -m core.manage {command}")
        done = subprocess.run(
            [str(APP_PYTHON), "-m", "core.manage", command],
            cwd=ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise StackError(f"core.manage {command} failed:\n{done.stdout}{done.stderr}")


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
            os.killpg(process.pid, sig)


def wait_ready(
    url: str, timeout: float, alive: Callable[[], bool] = lambda: True, pause: float = 0.5
) -> str:
    """Ask `url` every `pause` s until it answers 200: "ready"; "exited" as soon as `alive()`
    is false (the process died), "timeout" after `timeout` s. A 503 (not ready yet) or a
    refused connection (not listening yet) means: ask again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            return "exited"
        if _answers(url):
            return "ready"
        time.sleep(pause)
    return "timeout"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False
