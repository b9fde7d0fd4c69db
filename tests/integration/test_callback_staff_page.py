"""A callback request from the chat on /staff/callbacks: the number to call (a tel: link),
the note, the "Rappel" badge; closing it works like a repair-quote task."""

from __future__ import annotations

from datetime import datetime, timezone

from core import conversations, workshop
from tests.integration.staff_web_support import ADVISOR, login, units_of_work
from tests.integration.web_support import web_client


def test_an_advisor_sees_the_number_and_the_note_of_a_callback_request(
    seeded_sqlite_url: str,
) -> None:
    with units_of_work(seeded_sqlite_url) as new_uow:
        conversation = conversations.get_or_create_conversation(new_uow(), "web", "visitor-cb")
        task = workshop.request_callback(
            new_uow(),
            conversation_id=conversation.id,
            customer_id=None,
            phone="06 12 34 56 42",
            note="Reprise de ma <Ducati>",
            now=datetime.now(timezone.utc),
        )
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADVISOR)
        page = client.get("/staff/callbacks")
        closed = client.post(
            f"/staff/callbacks/{task.reference}/close",
            data={"csrf_token": csrf, "outcome": "Rappelé, RDV jeudi"},
        )

    assert page.status_code == 200
    assert f'data-callback="{task.reference}"' in page.text
    assert '<a href="tel:+33612345642">+33612345642</a>' in page.text
    assert "Rappel</span>" in page.text and "Client non identifié" in page.text
    assert "Reprise de ma &lt;Ducati&gt;" in page.text
    assert closed.status_code == 200 and f'data-callback="{task.reference}"' not in closed.text
