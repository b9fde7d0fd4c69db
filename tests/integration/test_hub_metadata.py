"""What the hub tells the bot besides the text (docs/workshop.md): a shared place as
`location`, the files stored with that very message as `attachments`; bad values are left
out. The hub on a real database (SQLite and PostgreSQL) and a recording stand-in for Rasa."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from bench.conversations import as_the_hub_sends
from channels.bus import Bus
from channels.rasa_client import RasaClient
from core import conversations
from hub.inbound import HubDeps, handle_customer_message, shared_location
from hub.store import NewAttachment
from tests.integration.web_support import REST_AUTH, REST_CLIENT, local_http_server, web_client

ANSWER = [{"recipient_id": "x", "text": "Bien reçu"}]
PHOTO = NewAttachment(
    kind="image", content_type="image/png", filename="a.png", storage_path="/x/a.png", size=9
)


@pytest.fixture
def rasa() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    with local_http_server(ANSWER) as server:
        yield server


@pytest.fixture
def hub(uow_factory, rasa) -> HubDeps:
    intents = frozenset({"greet", "choose"})
    return HubDeps(
        uow_factory=uow_factory, brain=RasaClient(rasa[0], 2.0), bus=Bus(), intents=intents
    )


def sent_metadata(rasa) -> dict[str, Any]:
    return rasa[1][-1]["metadata"]


async def test_a_shared_place_reaches_the_bot_as_location(hub: HubDeps, rasa) -> None:
    where = {"latitude": 45.75, "longitude": 4.85, "label": "Lyon"}

    await handle_customer_message(hub, "whatsapp", "+33611111111", "ici", {"location": where})

    assert sent_metadata(rasa)["location"] == {"latitude": 45.75, "longitude": 4.85}
    assert sent_metadata(rasa)["channel"] == "whatsapp"


@pytest.mark.parametrize(
    "where",
    [
        {"latitude": 91, "longitude": 2},
        {"latitude": 48, "longitude": -181},
        {"latitude": "48.8", "longitude": "2.3"},
        {"latitude": True, "longitude": 2},
        {"latitude": math.nan, "longitude": 2},
        {"latitude": 48.8},
        "48.8,2.3",
        [48.8, 2.3],
    ],
)
async def test_a_place_that_is_not_one_is_left_out(hub: HubDeps, rasa, where: object) -> None:
    answers = await handle_customer_message(hub, "web", "visitor-1", "ici", {"location": where})

    assert answers[0].text == "Bien reçu"  # the message itself goes on
    assert "location" not in sent_metadata(rasa)


async def test_the_files_of_the_message_reach_the_bot_with_their_stored_ids(
    hub: HubDeps, rasa, uow_factory
) -> None:
    place = NewAttachment(kind="location", latitude=48.85, longitude=2.35)
    jpeg = NewAttachment(kind="image", content_type="image/jpeg", storage_path="/x/b.jpg", size=5)

    await handle_customer_message(
        hub, "telegram", "4242", "[photo]", {}, attachments=[PHOTO, place, jpeg]
    )

    inbound = [m for m in _messages(uow_factory, "telegram", "4242") if m.direction == "in"]
    stored = conversations.attachments_of(uow_factory(), inbound[0].id)
    assert [a.kind for a in stored] == ["image", "location", "image"]
    assert sent_metadata(rasa)["attachments"] == [
        {"id": stored[0].id, "kind": "image", "content_type": "image/png"},
        {"id": stored[2].id, "kind": "image", "content_type": "image/jpeg"},
    ]  # a place is not a file


async def test_a_later_message_does_not_carry_earlier_files(hub: HubDeps, rasa) -> None:
    await handle_customer_message(hub, "web", "visitor-2", "[photo]", {}, attachments=[PHOTO])
    first = sent_metadata(rasa)["attachments"]

    await handle_customer_message(hub, "web", "visitor-2", "et voilà", {})

    assert len(first) == 1 and "attachments" not in sent_metadata(rasa)
    assert "location" not in sent_metadata(rasa)


async def test_files_of_a_message_the_hub_answers_itself_are_kept_with_it(
    hub: HubDeps, rasa, uow_factory
) -> None:
    """An unknown choice: Rasa is not asked, but the picture is not lost."""
    answers = await handle_customer_message(
        hub, "web", "visitor-3", "/buy_a_ferrari", {}, attachments=[PHOTO]
    )

    assert answers[0].text  # the hub answered (unknown choice) without the bot
    assert rasa[1] == []
    [inbound] = [m for m in _messages(uow_factory, "web", "visitor-3") if m.direction == "in"]
    [attachment] = conversations.attachments_of(uow_factory(), inbound.id)
    assert attachment.storage_path == "/x/a.png"


def test_a_rest_client_can_share_a_place_in_its_metadata(seeded_sqlite_url: str, rasa) -> None:
    where = {"latitude": 44.84, "longitude": -0.58}
    with web_client(seeded_sqlite_url, rasa[0]) as client:
        body = {"sender": "rest-1", "message": "ici", "metadata": {"location": where}}
        response = client.post("/webhooks/rest/webhook", json=body, headers=REST_AUTH)

    assert response.status_code == 200
    assert sent_metadata(rasa)["location"] == where


def test_the_benches_send_rasa_straight_what_the_hub_sends_it(seeded_sqlite_url: str, rasa) -> None:
    """bench/chat_load.py and bench/scale_load.py compare the hub with Rasa asked straight:
    the same body (the trace context apart), so the actions do the same work on both sides."""
    with web_client(seeded_sqlite_url, rasa[0]) as client:
        body = {"sender": "bench-7", "message": "une 2022"}
        response = client.post("/webhooks/rest/webhook", json=body, headers=REST_AUTH)

    assert response.status_code == 200
    sent = rasa[1][-1]
    sent["metadata"].pop("traceparent", None)
    assert sent == as_the_hub_sends(REST_CLIENT, "bench-7", "une 2022")


def test_shared_location_keeps_only_finite_coordinates_in_range() -> None:
    assert shared_location({"latitude": -90, "longitude": 180}) == {
        "latitude": -90.0,
        "longitude": 180.0,
    }
    assert shared_location({"latitude": math.inf, "longitude": 0}) is None
    assert shared_location(None) is None


def _messages(uow_factory, channel: str, external_id: str):
    conversation = conversations.find_conversation(uow_factory(), channel, external_id)
    assert conversation is not None
    return conversations.transcript(uow_factory(), conversation.id)
