"""Start Rasa's server with its API token taken from the environment, not the command line.

`rasa run --auth-token` is the only way Rasa 3.6 takes the API token, and a command line is
readable by every user of the host (`ps`, /proc/<pid>/cmdline). This launcher reads
PITLANE_RASA_TOKEN from its own environment (readable only by the same user) and hands
`rasa run --enable-api --auth-token=...` to Rasa's CLI inside this process, so the process
list shows `serve_rasa.py` and the other options, never the token. It also sizes
RulePolicy's rule cache to our model and indexes its rule keys (pitlane_nlu/rule_cache.py)
before the model loads, compiles the schema of the action server's answers once
(pitlane_nlu/action_schema.py), keeps one HTTP session per endpoint open
(pitlane_nlu/endpoint_sessions.py), and, given --logging-config-file, keeps Rasa's
coloredlogs and Sanic's defaults from replacing that configuration's handler
(pitlane_logging.py).

    python serve_rasa.py --port 5005 --model models/pitlane.tar.gz ...
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence

TOKEN_VARIABLE = "PITLANE_RASA_TOKEN"


def rasa_arguments(options: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    """Rasa's argv: `run` with the API on and the token as one argument (it may start with '-')."""
    token = environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise SystemExit(f"{TOKEN_VARIABLE} is not set: Rasa's API would be open to anyone")
    if any(option.startswith("--auth-token") for option in options):
        raise SystemExit("give the token through PITLANE_RASA_TOKEN, not on the command line")
    return ["rasa", "run", "--enable-api", f"--auth-token={token}", *options]


def keep_configured_handlers() -> None:
    """Rasa 3.6 applies --logging-config-file, then `configure_colored_logging`, whose
    coloredlogs.install() replaces the root's stdout/stderr handler by its own text one:
    with a configuration file given, that step is skipped (the levels stay Rasa's). Rasa's
    server is also a Sanic app that applies Sanic's logging defaults (text handlers on
    sanic.*) when built: they are emptied, so Sanic's lines reach the file's handler.
    Warnings are logged, not printed."""
    import rasa.utils.io
    from sanic import log as sanic_log

    rasa.utils.io.configure_colored_logging = lambda loglevel: None
    logging.captureWarnings(True)  # Rasa's warnings: JSON lines too (logger py.warnings)
    sanic_log.LOGGING_CONFIG_DEFAULTS.clear()
    sanic_log.LOGGING_CONFIG_DEFAULTS.update(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "loggers": {
                name: {"level": "INFO", "handlers": [], "propagate": True}
                for name in ("sanic.root", "sanic.error", "sanic.access")
            },
        }
    )


def main() -> None:
    sys.argv = rasa_arguments(sys.argv[1:], os.environ)
    from pitlane_nlu import action_schema, endpoint_sessions, rule_cache  # beside this file
    from rasa.__main__ import main as rasa_main  # the Rasa venv only

    rule_cache.widen()  # about 4x less CPU per RulePolicy prediction (pitlane_nlu/rule_cache.py)
    rule_cache.index()  # and each prediction tests a few candidate rules, not all of them
    action_schema.compile_once()  # the action server's answers: no meta-schema check each
    endpoint_sessions.reuse()  # one kept-alive session to the action server, not one a call
    if any(option.startswith("--logging-config-file") for option in sys.argv):
        keep_configured_handlers()  # JSON lines, redacted (logging.yml, pitlane_logging.py)

    rasa_main()


if __name__ == "__main__":
    main()
