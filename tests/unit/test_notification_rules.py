"""The rules of commercial notifications that need no database: the checking of the fields
an admin writes, and who an audience reaches (core/notification_rules.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core.errors import InvalidValue
from core.notification_rules import (
    BODY_MAX,
    LINK_MAX,
    TITLE_MAX,
    AudienceProfile,
    NotificationView,
    is_for,
    reaches,
    validate,
)

FIELDS = {"title": "Soldes", "body": "Tout à -20 %", "link": None, "audience": "all"}


def refused(**changes: object) -> str:
    values = {**FIELDS, "language": None, **changes}
    with pytest.raises(InvalidValue) as caught:
        validate(**values)  # type: ignore[arg-type]
    return caught.value.code


def profile(**changes: object) -> AudienceProfile:
    values: dict[str, object] = {
        "conversation_id": 1,
        "channel": "web",
        "language": "fr",
        "opted_out": False,
        "subscribed": False,
    }
    values.update(changes)
    return AudienceProfile(**values)  # type: ignore[arg-type]


def test_the_fields_are_trimmed_and_a_language_only_kept_for_a_language_audience() -> None:
    cleaned = validate(
        title="  Soldes   d'hiver ",
        body="  ligne 1   \nligne 2  \n\n",
        link="  https://pitlane.example/soldes  ",
        audience="all",
        language="en",
    )

    assert cleaned == {
        "title": "Soldes d'hiver",
        "body": "ligne 1\nligne 2",
        "link": "https://pitlane.example/soldes",
        "audience": "all",
        "language": None,
    }
    assert validate(**{**FIELDS, "link": "  "}, language=None)["link"] is None


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"title": "   "}, "invalid_title"),
        ({"title": "t" * (TITLE_MAX + 1)}, "invalid_title"),
        ({"body": "\n \n"}, "invalid_body"),
        ({"body": "b" * (BODY_MAX + 1)}, "invalid_body"),
        ({"link": "javascript:alert(1)"}, "invalid_link"),
        ({"link": "ftp://pitlane.example/x"}, "invalid_link"),
        ({"link": "https://pitlane.example/a b"}, "invalid_link"),
        ({"link": "https://pitlane.example/" + "x" * LINK_MAX}, "invalid_link"),
        ({"audience": "everyone"}, "invalid_audience"),
        ({"audience": "language", "language": "de"}, "invalid_language"),
        ({"audience": "language", "language": None}, "invalid_language"),
    ],
)
def test_each_wrong_field_is_refused_with_its_own_code(changes: dict, code: str) -> None:
    assert refused(**changes) == code


def test_every_audience_leaves_out_a_customer_who_opted_out_or_declined_offers() -> None:
    for audience, language in (("all", None), ("opted_in", None), ("language", "fr")):
        assert reaches(profile(subscribed=True), audience, language)
        assert not reaches(profile(subscribed=True, opted_out=True), audience, language)
        assert not reaches(profile(declined=True), audience, language)


def test_the_opted_in_audience_needs_an_explicit_yes() -> None:
    assert not reaches(profile(), "opted_in", None)
    assert reaches(profile(subscribed=True), "opted_in", None)
    assert reaches(profile(), "all", None)


def test_a_language_audience_follows_the_conversation_language() -> None:
    english = profile(language="en")
    assert reaches(english, "language", "en")
    assert not reaches(english, "language", "fr")


def test_a_channel_that_cannot_show_a_notification_is_never_reached() -> None:
    assert not reaches(profile(channel="sms"), "all", None)


def test_is_for_reads_the_audience_of_a_stored_notification() -> None:
    moment = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    notification = NotificationView(
        id=1,
        title="t",
        body="b",
        link=None,
        audience="language",
        language="en",
        status="sent",
        send_at=moment,
        sent_at=moment,
        created_at=moment,
    )
    assert is_for(profile(language="en"), notification)
    assert not is_for(profile(language="fr"), notification)
