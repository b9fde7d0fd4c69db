"""`make run-scaled`: Pitlane at scale on one machine, no Docker: PostgreSQL and Redis from
PITLANE_DATABASE_URL / PITLANE_REDIS_URL, 2 web replicas (8101, 8102), 2 Rasa replicas
(5006, 5007) behind nginx (127.0.0.1:5005, the hub's Rasa), the action server, and nginx on
8080 in front of the web replicas. Ctrl-C stops everything, nginx included (docs/scaling.md).
"""

from __future__ import annotations

import os
import sys

from run import supervise
from stack import (
    ROOT,
    Stack,
    StackError,
    nginx_binary,
    prepare_databases,
    scaled_config,
    scaled_environment,
)

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/pitlane_scaled"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def _ports(name: str, default: str) -> tuple[int, ...]:
    return tuple(int(item) for item in os.environ.get(name, default).split(",") if item.strip())


def main() -> int:
    if nginx_binary() is None:
        print("error: nginx is missing: sudo apt-get install nginx (or make run-scaled as root)")
        return 1
    # Not from .env: its PITLANE_DATABASE_URL is make run's (SQLite by default).
    database_url = os.environ.get("PITLANE_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("PITLANE_REDIS_URL", "").strip() or DEFAULT_REDIS_URL
    tracker_url = os.environ.get("PITLANE_RASA_TRACKER_URL", "").strip()
    try:
        environment = scaled_environment(database_url, redis_url, tracker_url)
    except StackError as error:
        print(f"error: {error}")
        return 1
    config = scaled_config(
        environment,
        web_ports=_ports("PITLANE_WEB_PORTS", "8101,8102"),
        rasa_ports=_ports("PITLANE_RASA_PORTS", "5006,5007"),
        proxy_port=int(os.environ.get("PITLANE_PROXY_PORT", 8080)),
        rasa_port=int(os.environ.get("PITLANE_RASA_PORT", 5005)),
        actions_port=int(os.environ.get("PITLANE_ACTIONS_PORT", 5055)),
        host=os.environ.get("PITLANE_HOST", "127.0.0.1"),
        log_dir=ROOT / "var" / "scaled" / "log",
    )
    try:
        prepare_databases(config)
    except StackError as error:
        print(f"error: {error}")
        return 1
    web = ", ".join(f"http://127.0.0.1:{port}" for port in config.web_replicas)
    rasa = ", ".join(f"http://127.0.0.1:{port}" for port in config.rasa_replicas)
    banner = (
        "\nPitlane (scaled) is up:\n"
        f"  through nginx (use this)        {config.web_url}/\n"
        f"  web replicas                    {web}\n"
        f"  Rasa replicas (behind nginx)    {rasa} -> {config.rasa_url}\n"
        f"  action server                   {config.actions_url}/readyz\n"
        f"  database, Redis                 {_shown(database_url)}, {redis_url}\n"
        f"  logs                            {config.log_dir}/, {config.nginx_dir}/\n"
    )
    return supervise(Stack(config), banner)


def _shown(url: str) -> str:
    """`url` without its password."""
    scheme, _, rest = url.partition("://")
    credentials, at, place = rest.rpartition("@")
    return f"{scheme}://{credentials.partition(':')[0]}{at}{place}" if at else url


if __name__ == "__main__":
    sys.exit(main())
