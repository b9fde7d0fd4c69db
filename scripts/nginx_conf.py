"""Render Pitlane's nginx configuration: the web front (deploy/nginx/pitlane.conf.template,
the ONE template compose and the scaled run share) and, for the scaled run, its main file
(deploy/nginx/scaled-main.conf.template: pid, logs, temporary files under var/, the Rasa
replicas).

    python scripts/nginx_conf.py compose   # prints deploy/nginx/compose.conf

docker-compose mounts the committed compose render as the nginx image's conf.d/default.conf;
`make run-scaled` (scripts/stack.py) writes both renders under var/nginx at each start.
Standard library only (imported by scripts/stack.py).
"""

from __future__ import annotations

import getpass
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRONT_TEMPLATE = ROOT / "deploy" / "nginx" / "pitlane.conf.template"
MAIN_TEMPLATE = ROOT / "deploy" / "nginx" / "scaled-main.conf.template"
COMPOSE_RENDER = ROOT / "deploy" / "nginx" / "compose.conf"
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# A replica that refused a connection is left out for this long (then tried again).
SERVER_OPTIONS = "max_fails=1 fail_timeout=5s"


def render(template: str, values: Mapping[str, str]) -> str:
    """`template` with every {{name}} replaced; a name without a value is an error."""
    missing = sorted(set(PLACEHOLDER.findall(template)) - set(values))
    if missing:
        raise ValueError(f"no value for {', '.join(missing)} in the nginx template")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def servers(addresses: list[str] | tuple[str, ...], indent: int = 4) -> str:
    if not addresses:
        raise ValueError("an upstream needs at least one server")
    pad = " " * indent
    return "\n".join(f"{pad}server {address} {SERVER_OPTIONS};" for address in addresses)


def front(listen: str, web: list[str] | tuple[str, ...], access_log: str) -> str:
    """The web front: nginx on `listen`, in front of the web replicas `web` (host:port),
    one JSON line per request in `access_log`."""
    values = {"listen": listen, "web_servers": servers(web), "access_log": access_log}
    return render(FRONT_TEMPLATE.read_text(), values)


def compose() -> str:
    """docker-compose: every `web` replica behind Docker's DNS name, on the image's 8080;
    the access log where the nginx image sends it to the container's output."""
    return front("8080", ["web:8000"], "/var/log/nginx/access.log")


@dataclass(frozen=True)
class Scaled:
    """One machine: loopback replicas, what nginx writes under `var_dir`."""

    var_dir: Path
    listen: str
    web_ports: tuple[int, ...]
    rasa_listen: str
    rasa_ports: tuple[int, ...]

    def write(self) -> Path:
        """Render the front and the main file into `var_dir`; returns the main file."""
        var_dir = self.var_dir.resolve()
        (var_dir / "temp").mkdir(parents=True, exist_ok=True)
        web = [f"127.0.0.1:{port}" for port in self.web_ports]
        front_path = var_dir / "pitlane.conf"
        front_path.write_text(front(self.listen, web, str(var_dir / "access.log")))
        values = {
            # as root, the workers keep root's user too: they read and write var/ like it
            "user": getpass.getuser(),
            "worker_processes": "1",
            "pid": str(var_dir / "nginx.pid"),
            "error_log": str(var_dir / "error.log"),
            "access_log": str(var_dir / "access.log"),
            "temp": str(var_dir / "temp"),
            "front": str(front_path),
            "rasa_listen": self.rasa_listen,
            "rasa_servers": servers([f"127.0.0.1:{port}" for port in self.rasa_ports], 8),
        }
        main = var_dir / "nginx.conf"
        main.write_text(render(MAIN_TEMPLATE.read_text(), values))
        return main


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args != ["compose"]:
        print("usage: python scripts/nginx_conf.py compose > deploy/nginx/compose.conf")
        return 2
    sys.stdout.write(compose())
    return 0


if __name__ == "__main__":
    sys.exit(main())
