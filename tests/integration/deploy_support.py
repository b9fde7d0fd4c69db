"""Which process reads which PITLANE_* setting, read from the code (the pydantic settings
classes, Rasa's endpoint and credential files): what docker-compose.yml and deploy/k8s/ are
checked against (test_compose_file.py, test_k8s_manifests.py)."""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import Path

from actions.serve import ActionServerSettings
from core.config import CoreSettings
from transports.settings import TransportSettings
from webapp.settings import WebSettings

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")
RASA_ENDPOINTS = ROOT / "deploy" / "rasa-endpoints.yml"
NGINX_CONF = ROOT / "deploy" / "nginx" / "compose.conf"

# Settings the code does not read yet, announced by the other parts of issue 15 (the Redis
# bus, uploads in the database, pool sizes). The deployment files set them already;
# test_announced_settings_are_read_by_the_code says which ones are still missing.
ANNOUNCED = {
    "PITLANE_UPLOAD_STORE": "web",
    "PITLANE_DB_POOL_SIZE": "web actions",
    "PITLANE_DB_MAX_OVERFLOW": "web actions",
    "PITLANE_DB_POOL_TIMEOUT": "web actions",
}

# Settings a deployed process reads but is not given, each with its reason (patterns).
NOT_DEPLOYED: dict[str, dict[str, str]] = {
    "*": {
        "PITLANE_TELEGRAM_API_URL": "tests point it at a fake Bot API",
        "PITLANE_TELEGRAM_FILE_URL": "tests point it at a fake Bot API",
        "PITLANE_TWILIO_API_URL": "tests point it at a fake Twilio REST API",
        "PITLANE_OTP_LIMIT_SCALE": "the e2e stack raises it; production keeps the default 1",
        "PITLANE_API_DOCS": "Swagger UI and ReDoc are never served in production",
        "PITLANE_WIDGET_DIST": "the image builds the widget into the default widget/dist",
        "PITLANE_MAP_TILES_URL": (
            "the code's default (OpenStreetMap); its {z}/{x}/{y} cannot be a default of "
            "compose's ${...:-...}: set it in an override file or the ConfigMap when needed"
        ),
    },
    "actions": {
        "PITLANE_ACTIONS_HOST": "given on the command line (--host)",
        "PITLANE_ACTIONS_PORT": "given on the command line (--port)",
        "PITLANE_UPLOAD_*": (
            "core's settings, shared with the web app and the backup command: the action "
            "server reads no uploaded file"
        ),
    },
    "migrate": {
        "PITLANE_SMTP_*": "migrations and the demo data send no e-mail",
        "PITLANE_DB_*": "a one-shot process: the default pool is enough",
        "PITLANE_DOCUMENT_LINK_*": "migrations and the demo data give no document link",
        "PITLANE_PUBLIC_BASE_URL": "migrations and the demo data give no link",
        "PITLANE_UPLOAD_*": (
            "migrations and the demo data store no file; backups run in a web container, "
            "which has the uploads volume (README, Backup and restore)"
        ),
    },
}


def env_names(*settings_classes: type) -> set[str]:
    names: set[str] = set()
    for settings_class in settings_classes:
        prefix = settings_class.model_config.get("env_prefix", "")
        names |= {f"{prefix}{name}".upper() for name in settings_class.model_fields}
    return names


def rasa_reads() -> set[str]:
    """PITLANE_* of the Rasa process: its endpoints and credentials, and serve_rasa.py's token."""
    launcher = (ROOT / "rasa_project" / "serve_rasa.py").read_text()
    token = re.search(r'^TOKEN_VARIABLE = "([A-Z_]+)"$', launcher, re.M)
    assert token, "serve_rasa.py names no TOKEN_VARIABLE"
    used = {token.group(1)}
    for path in (RASA_ENDPOINTS, ROOT / "rasa_project" / "credentials.yml"):
        used |= set(VARIABLE.findall(path.read_text()))
    return used


def readers() -> dict[str, set[str]]:
    """Deployed service -> every variable its process reads (PITLANE_* and Rasa's own)."""
    return {
        "web": env_names(WebSettings),
        "actions": env_names(TransportSettings, ActionServerSettings),
        "migrate": env_names(CoreSettings),
        "rasa": rasa_reads(),
    }


def read_by_code() -> set[str]:
    return set().union(*readers().values())


def exempt(service: str, name: str) -> str | None:
    """Why `service` is not given `name`, or None when it must be."""
    for scope in ("*", service):
        for pattern, reason in NOT_DEPLOYED.get(scope, {}).items():
            if fnmatch(name, pattern):
                return reason
    return None


def needed(service: str) -> set[str]:
    """The PITLANE_* variables `service` must be given, announced ones included."""
    known = {n for n in readers()[service] if n.startswith("PITLANE_")}
    known |= {n for n, services in ANNOUNCED.items() if service in services.split()}
    return {name for name in known if exempt(service, name) is None}


def allowed(service: str) -> set[str]:
    """The PITLANE_* variables `service` may be given: what it reads or will read."""
    return readers()[service] | {n for n, s in ANNOUNCED.items() if service in s.split()}
