"""Rasa's readiness probe (docker compose's healthcheck, Kubernetes' readinessProbe): exits 0
when the Rasa server of this container answers `GET /status` with a loaded model, 1 otherwise.

    python /app/probe_rasa.py [--port 5005] [--timeout 3]

Rasa 3.6 starts listening only once it has tried to load its model (the load is a
before-server-start listener), but a model that failed to load leaves it serving `GET /`
all the same: `/` tells it is alive, `/status` (409 "No agent loaded" without a model) that
it can answer. `/status` needs the API token as `?token=`; it is read here from
PITLANE_RASA_TOKEN, the container's own environment (as serve_rasa.py does), so no probe
definition or process list shows it, and it is never printed. Standard library only: it
runs in Rasa's image.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from urllib.parse import urlencode

TOKEN_VARIABLE = "PITLANE_RASA_TOKEN"


def status_url(port: int, token: str) -> str:
    query = f"?{urlencode({'token': token})}" if token else ""
    return f"http://127.0.0.1:{port}/status{query}"


def model_loaded(port: int, token: str, timeout: float) -> tuple[bool, str]:
    """(ready, why) from Rasa's `/status`; `why` never holds the token."""
    try:
        with urllib.request.urlopen(status_url(port, token), timeout=timeout) as response:
            body = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return False, f"/status answered {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return False, f"/status did not answer: {type(error).__name__}"
    if not isinstance(body, dict) or not body.get("model_id"):
        return False, "/status names no model"
    return True, "a model is loaded"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("--timeout", type=float, default=3.0)
    args = parser.parse_args(argv)
    ready, why = model_loaded(args.port, os.environ.get(TOKEN_VARIABLE, "").strip(), args.timeout)
    print(f"rasa {'ready' if ready else 'not ready'}: {why}")
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
