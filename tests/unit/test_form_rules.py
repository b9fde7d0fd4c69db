"""The digressions inside forms are designed once (scripts/form_rules.py): the generated rules
and stories are those of the table, and every form of the domain is in the table, ignoring
exactly the intents the table says are not its answers."""

from __future__ import annotations

import pytest

from scripts.form_rules import FORM_NAMES, FORMS, RULES_FILE, STORIES_FILE, render
from tests.dialogue_files import load_domain

DOMAIN = load_domain()


def test_the_generated_rules_and_stories_are_up_to_date() -> None:
    for path, text in render().items():
        assert path.read_text() == text, f"run python scripts/form_rules.py ({path.name})"
    assert {RULES_FILE, STORIES_FILE} == set(render())


def test_every_form_of_the_domain_has_its_digressions() -> None:
    assert sorted(DOMAIN["forms"]) == sorted(FORM_NAMES)


def test_the_stop_question_remembers_any_form() -> None:
    assert sorted(DOMAIN["slots"]["leaving_form"]["values"]) == sorted(FORM_NAMES)


@pytest.mark.parametrize("form", FORMS, ids=FORM_NAMES)
def test_a_form_ignores_its_digressions_and_never_its_answers(form) -> None:
    ignored = set(DOMAIN["forms"][form.name].get("ignored_intents") or [])
    assert set(form.ignored_intents()) <= ignored
    assert not ignored & form.answers


@pytest.mark.parametrize("form", FORMS, ids=FORM_NAMES)
def test_menu_stop_and_an_advisor_work_inside_every_form(form) -> None:
    # the callback form arranges the advisor: asking for one there is its answer
    advisor = set() if "ask_advisor" in form.answers else {"ask_advisor"}
    assert {"show_menu", "stop", *advisor} <= set(form.ignored_intents())
