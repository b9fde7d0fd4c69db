"""Start Rasa's server with its API token taken from the environment, not the command line.

`rasa run --auth-token` is the only way Rasa 3.6 takes the API token, and a command line is
readable by every user of the host (`ps`, /proc/<pid>/cmdline). This launcher reads
PITLANE_RASA_TOKEN from its own environment (readable only by the same user) and hands
`rasa run --enable-api --auth-token=...` to Rasa's CLI inside this process, so the process
list shows `serve_rasa.py` and the other options, never the token. It also sizes
RulePolicy's rule cache to our model (pitlane_nlu/rule_cache.py) before the model loads,
and keeps Sanic from adding its own text log handlers (pitlane_logging.py).

    python serve_rasa.py --port 5005 --model models/pitlane.tar.gz ...
"""

from __future__ import annotations

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


def main() -> None:
    sys.argv = rasa_arguments(sys.argv[1:], os.environ)
    from pitlane_logging import sanic_defaults_through_root  # beside this file
    from pitlane_nlu import rule_cache
    from rasa.__main__ import main as rasa_main  # the Rasa venv only

    rule_cache.widen()  # about 4x less CPU per RulePolicy prediction (pitlane_nlu/rule_cache.py)
    sanic_defaults_through_root()  # Sanic's lines through logging.yml's handler, if given

    rasa_main()


if __name__ == "__main__":
    main()
