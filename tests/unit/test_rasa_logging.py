"""Rasa's log lines (rasa_project/pitlane_logging.py and logging.yml) are JSON objects with no
customer text, e-mail address, phone number, code or secret: the module alone, with the
standard library, and Rasa's own logging code in Rasa's environment, timeouts included."""

from __future__ import annotations

import ast
import importlib.util
import json
import logging
import subprocess
import sys

import pytest

from ops import scrub
from scripts.stack import RASA_PYTHON, ROOT

MODULE = ROOT / "rasa_project" / "pitlane_logging.py"
SENTENCE = "mon email est camille.martin@example.fr et mon tel 06 12 34 56 78, code 482913"


def rasa_logging():
    spec = importlib.util.spec_from_file_location("pitlane_logging", MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def formatted(module, rec: logging.LogRecord) -> dict:
    assert module.Redact().filter(rec)
    return json.loads(module.JsonFormatter("rasa").format(rec))


def test_the_module_imports_only_the_standard_library() -> None:
    tree = ast.parse(MODULE.read_text())
    names = {
        alias.name.split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.Import)
        for alias in n.names
    }
    names |= {
        n.module.split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.level == 0
    }
    names -= {"__future__"}

    assert names <= set(sys.stdlib_module_names), names


def test_its_patterns_are_those_of_the_error_reports() -> None:
    module = rasa_logging()

    assert module.EMAIL.pattern == scrub._EMAIL.pattern
    assert module.CODE.pattern == scrub._CODE.pattern
    assert module.PHONE.pattern == scrub._PHONE.pattern
    assert module.TELEGRAM_TOKEN.pattern == scrub._TELEGRAM_TOKEN.pattern


def test_a_rest_timeout_event_loses_its_text() -> None:
    module = rasa_logging()
    message = json.dumps(
        {"text": SENTENCE, "event": "rest.message.received.timeout", "level": "error"}
    )
    rec = logging.LogRecord("rasa.core.channels.rest", logging.ERROR, "", 1, message, None, None)

    out = formatted(module, rec)

    assert out["message"] == "rest.message.received.timeout"
    assert out["event_fields"] == {"text": "[text]"}
    assert "camille" not in json.dumps(out) and "482913" not in json.dumps(out)


def test_plain_lines_lose_quoted_text_spaced_arguments_and_personal_data() -> None:
    module = rasa_logging()
    quoted = logging.LogRecord(
        "rasa.core.processor",
        logging.DEBUG,
        "",
        1,
        f"Received user message '{SENTENCE}'",
        None,
        None,
    )
    spaced = logging.LogRecord(
        "rasa.server", logging.ERROR, "", 1, "failed on %s", (SENTENCE,), None
    )
    sender = logging.LogRecord(
        "rasa.core.lock_store", logging.DEBUG, "", 1, "lock of %s", ("whatsapp:+33612345678",), None
    )

    assert formatted(module, quoted)["message"] == "Received user message [text]"
    assert formatted(module, spaced)["message"] == "failed on [text]"
    assert formatted(module, sender)["message"] == "lock of whatsapp:[phone]"


def test_a_traceback_keeps_its_frames_and_loses_the_exception_text() -> None:
    module = rasa_logging()
    try:
        raise ValueError(f"could not parse '{SENTENCE}'")
    except ValueError:
        rec = logging.LogRecord("rasa.server", logging.ERROR, "", 1, "boom", None, sys.exc_info())

    out = formatted(module, rec)

    assert f'File "{__file__}"' in out["exc"]
    assert "ValueError: could not parse [text]" in out["exc"]
    assert "camille" not in out["exc"].split("ValueError:")[1]


def test_rasa_itself_logs_through_the_configuration_without_the_text() -> None:
    """Rasa's own code: its logging-config-file loader, its structlog set-up (JSON events on a
    non-terminal), and its REST channel's timeout event, in Rasa's environment."""
    if not RASA_PYTHON.exists():
        pytest.skip(f"skipped: no Rasa environment at {RASA_PYTHON.parent.parent}")
    script = f"""
import logging, structlog
from rasa.utils.common import configure_logging_from_file
from rasa.utils.log_utils import configure_structlog
configure_logging_from_file("logging.yml")
configure_structlog(logging.DEBUG)
logging.getLogger("rasa").setLevel(logging.DEBUG)  # as `rasa run --debug` does
structlog.get_logger("rasa.core.channels.rest").error(
    "rest.message.received.timeout", text={SENTENCE!r})
structlog.get_logger("rasa.core.processor").debug(
    "processor.message.parse", parse_data_text={SENTENCE!r}, sender_id="whatsapp:+33612345678")
logging.getLogger("rasa.core.processor").debug("Received user message '{SENTENCE}'")
"""
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", script],
        cwd=ROOT / "rasa_project",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    lines = [json.loads(raw) for raw in done.stdout.splitlines() if raw.strip()]
    assert [entry["message"] for entry in lines] == [
        "rest.message.received.timeout",
        "processor.message.parse",
        "Received user message [text]",
    ]
    assert all(entry["process"] == "rasa" for entry in lines)
    for secret in ("camille", "06 12 34 56 78", "482913", "33612345678", "mon email"):
        assert secret not in done.stdout + done.stderr


def test_the_stack_starts_rasa_with_the_configuration_unless_text_is_asked() -> None:
    from scripts.stack import Stack, StackConfig

    rasa = next(m for m in Stack(StackConfig()).definitions() if m.name == "rasa")
    text = StackConfig(env={"PITLANE_LOG_FORMAT": "text"})
    plain = next(m for m in Stack(text).definitions() if m.name == "rasa")

    at = rasa.command.index("--logging-config-file")
    assert (rasa.cwd / rasa.command[at + 1]) == ROOT / "rasa_project" / "logging.yml"
    assert rasa.env["PITLANE_LOG_PROCESS"] == "rasa"
    assert "--logging-config-file" not in plain.command
