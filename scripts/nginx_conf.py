"""Render deploy/nginx/pitlane.conf.template, the one nginx configuration of Pitlane.

    python scripts/nginx_conf.py compose            # prints deploy/nginx/compose.conf
    python scripts/nginx_conf.py scaled --var var/nginx --web 8101,8102 --rasa 5006,5007

`make run-scaled` (scripts/run_scaled.py) renders its own at start: loopback upstreams, pid,
temporary files and logs under var/, the current user. docker-compose mounts the committed
compose render (deploy/nginx/compose.conf) as the nginx image's /etc/nginx/nginx.conf.
Standard library only (imported by scripts/stack.py).
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "pitlane.conf.template"
COMPOSE_RENDER = ROOT / "deploy" / "nginx" / "compose.conf"
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# A replica that refused a connection is left out for this long (then tried again).
SERVER_OPTIONS = "max_fails=1 fail_timeout=5s"


@dataclass(frozen=True)
class Render:
    """What differs between the scaled run and compose."""

    listen: str
    rasa_listen: str
    web: tuple[str, ...]  # host:port of each web replica (or a service name)
    rasa: tuple[str, ...]
    user: str
    worker_processes: str
    pid: str
    error_log: str
    access_log: str
    temp: str

    def values(self) -> dict[str, str]:
        return {
            "listen": self.listen,
            "rasa_listen": self.rasa_listen,
            "web_servers": _servers(self.web),
            "rasa_servers": _servers(self.rasa),
            "user": self.user,
            "worker_processes": self.worker_processes,
            "pid": self.pid,
            "error_log": self.error_log,
            "access_log": self.access_log,
            "temp": self.temp,
        }


def _servers(addresses: tuple[str, ...]) -> str:
    if not addresses:
        raise ValueError("an upstream needs at least one server")
    return "\n".join(f"        server {address} {SERVER_OPTIONS};" for address in addresses)


def render(values: Render, template: str | None = None) -> str:
    """The template with every {{name}} replaced; an unknown or missing name is an error."""
    text = TEMPLATE.read_text() if template is None else template
    given = values.values()
    missing = sorted(set(PLACEHOLDER.findall(text)) - set(given))
    if missing:
        raise ValueError(f"no value for {', '.join(missing)} in the nginx template")
    return PLACEHOLDER.sub(lambda match: given[match.group(1)], text)


def compose() -> Render:
    """docker-compose: the `web` and `rasa` services (every replica behind their DNS name,
    resolved when nginx starts), the official nginx image's user, logs to the container's."""
    return Render(
        listen="8080",
        rasa_listen="5005",
        web=("web:8000",),
        rasa=("rasa:5005",),
        user="nginx",
        worker_processes="auto",
        pid="/tmp/nginx.pid",
        error_log="stderr",
        access_log="/dev/stdout",
        temp="/tmp",
    )


def scaled(
    var_dir: Path,
    web_ports: list[int],
    rasa_ports: list[int],
    listen: str = "127.0.0.1:8080",
    rasa_listen: str = "127.0.0.1:5005",
) -> Render:
    """One machine: loopback replicas, everything nginx writes under `var_dir`, run by the
    current user (as root, its workers keep root's user too: they read var/ like it)."""
    var_dir = var_dir.resolve()
    return Render(
        listen=listen,
        rasa_listen=rasa_listen,
        web=tuple(f"127.0.0.1:{port}" for port in web_ports),
        rasa=tuple(f"127.0.0.1:{port}" for port in rasa_ports),
        user=getpass.getuser(),
        worker_processes="1",
        pid=str(var_dir / "nginx.pid"),
        error_log=str(var_dir / "error.log"),
        access_log=str(var_dir / "access.log"),
        temp=str(var_dir / "temp"),
    )


def write_scaled(config: Render, var_dir: Path) -> Path:
    """Render `config` into `var_dir`/pitlane.conf (and the folders nginx writes in)."""
    (var_dir / "temp").mkdir(parents=True, exist_ok=True)
    path = var_dir / "pitlane.conf"
    path.write_text(render(config))
    return path


def _ports(text: str) -> list[int]:
    return [int(item) for item in text.split(",") if item.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/nginx_conf.py", description=__doc__)
    parser.add_argument("target", choices=["compose", "scaled"])
    parser.add_argument("--var", type=Path, default=ROOT / "var" / "nginx")
    parser.add_argument("--web", default="8101,8102", help="web replicas' ports")
    parser.add_argument("--rasa", default="5006,5007", help="Rasa replicas' ports")
    parser.add_argument("--listen", default="127.0.0.1:8080")
    parser.add_argument("--rasa-listen", default="127.0.0.1:5005")
    args = parser.parse_args(argv)
    if args.target == "compose":
        config = compose()
    else:
        web, rasa = _ports(args.web), _ports(args.rasa)
        config = scaled(args.var, web, rasa, args.listen, args.rasa_listen)
    sys.stdout.write(render(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
