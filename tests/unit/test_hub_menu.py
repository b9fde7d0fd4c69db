"""The main menu is defined once, as Rasa's `utter_menu`: the hub offers the same buttons
when it answers without Rasa (hub/texts.py reads them from the domain)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.texts import load_menu, menu
from tests.dialogue_files import load_domain

DOMAIN_MENU = load_domain()["responses"]["utter_menu"]


def domain_buttons(english: bool) -> list[tuple[str, str]]:
    """utter_menu's buttons, as this test reads the domain: the variant with the English
    condition, or the one without a condition."""
    [variant] = [v for v in DOMAIN_MENU if bool(v.get("condition")) is english]
    return [(button["title"], button["payload"]) for button in variant["buttons"]]


def test_the_french_menu_is_the_domains() -> None:
    assert menu("fr") == domain_buttons(english=False)
    assert menu("fr")[0] == ("Vérifier l'entretien de ma moto", "/check_maintenance")


def test_the_english_menu_is_the_domains() -> None:
    assert menu("en") == domain_buttons(english=True)
    assert ("Talk to an advisor", "/ask_advisor") in menu("en")


def test_both_languages_offer_the_same_nine_choices_in_the_same_order() -> None:
    payloads = [payload for _, payload in menu("fr")]
    assert payloads == [payload for _, payload in menu("en")]
    assert payloads == [
        "/check_maintenance",
        "/workshop_services",
        "/vehicle_info",
        "/my_bookings",
        "/contact_info",
        "/identify_vehicle",
        "/feedback",
        "/ask_advisor",
        "/stop",
    ]


@pytest.mark.parametrize("language", [None, "", "de"])
def test_an_unknown_language_gets_the_french_menu(language: str | None) -> None:
    assert menu(language) == menu("fr")


def test_a_caller_changing_its_menu_does_not_change_the_next_one() -> None:
    menu("fr").clear()

    assert len(menu("fr")) == 9


def write_domain(project: Path, name: str, text: str) -> None:
    (project / "domain").mkdir(exist_ok=True)
    (project / "domain" / name).write_text(text, encoding="utf-8")


def test_the_variant_of_each_language_is_chosen_as_rasa_chooses_it(tmp_path: Path) -> None:
    write_domain(tmp_path, "a.yml", "intents:\n  - greet\n")
    write_domain(
        tmp_path,
        "b.yml",
        """
responses:
  utter_menu:
    - condition:
        - type: slot
          name: language
          value: en
      text: "Menu"
      buttons:
        - {title: "Help", payload: /help}
    - text: "Menu"
      buttons:
        - {title: "Aide", payload: /help}
        - {title: "Arrêter", payload: /stop}
""",
    )

    assert load_menu(tmp_path) == {
        "fr": [("Aide", "/help"), ("Arrêter", "/stop")],
        "en": [("Help", "/help")],
    }


def test_a_language_without_its_own_variant_gets_the_unconditioned_one(tmp_path: Path) -> None:
    write_domain(
        tmp_path,
        "a.yml",
        "responses:\n  utter_menu:\n    - text: Menu\n      buttons:\n"
        "        - {title: Aide, payload: /help}\n",
    )

    assert load_menu(tmp_path)["en"] == [("Aide", "/help")]


def test_a_domain_without_utter_menu_is_refused_with_the_reason(tmp_path: Path) -> None:
    write_domain(tmp_path, "a.yml", "responses:\n  utter_greet:\n    - text: Salut\n")

    with pytest.raises(RuntimeError, match="no utter_menu response"):
        load_menu(tmp_path)
