"""The action server and the Rasa domain agree on names: actions, responses, slots."""

from __future__ import annotations

import re
from pathlib import Path

from rasa_sdk.executor import ActionExecutor

from actions.workflow import WORKFLOW_SLOTS
from tests.integration.actions_kit import DOMAIN

ACTIONS_DIR = Path(__file__).resolve().parents[2] / "actions"


def test_the_action_server_registers_exactly_the_domains_custom_actions() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    assert sorted(executor.actions) == sorted(DOMAIN["actions"])


def test_every_response_the_actions_send_is_in_the_domain() -> None:
    used = {
        name
        for path in ACTIONS_DIR.glob("*.py")
        for name in re.findall(r'"(utter_[a-z_]+)"', path.read_text(encoding="utf-8"))
    }
    assert used
    assert sorted(used - set(DOMAIN["responses"])) == []


def test_every_slot_the_actions_set_is_in_the_domain() -> None:
    set_by_actions = {slot for slot in WORKFLOW_SLOTS if slot != "requested_slot"} | {"language"}
    assert sorted(set_by_actions - set(DOMAIN["slots"])) == []


def test_the_booking_confirmation_is_filled_from_slots() -> None:
    """A rule sends utter_booking_confirmed, so its placeholders must be slots."""
    texts = [variation["text"] for variation in DOMAIN["responses"]["utter_booking_confirmed"]]
    placeholders = {name for text in texts for name in re.findall(r"{(\w+)}", text)}
    assert placeholders == {
        "booking_reference",
        "booking_when",
        "booking_agency",
        "booking_service",
        "booking_address",
    }
    assert sorted(placeholders - set(DOMAIN["slots"])) == []
