"""Transfers, staff-only notes, ratings and the transcript of a human chat, in core, on
SQLite and PostgreSQL; the races with real threads, each on its own connection."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import AdvisorFull, AlreadyTaken, Conflict, Forbidden, InvalidValue, NotFound
from core.handoff import accept, close, end_for_customer, get_request, request_handoff
from core.handoff_notes import add_note, notes_of
from core.handoff_ratings import (
    advisor_ratings,
    claim_transcript,
    rate_chat,
    release_transcript,
    verified_email,
)
from core.handoff_transfer import transfer, transfer_targets
from core.models import ChannelIdentity, Customer, Message, OtpChallenge
from tests.race import race


@pytest.fixture
def chat(uow_factory, add_staff, add_conversation, now):
    """An accepted conversation: (request id, its advisor, a free colleague)."""
    holder = add_staff("Nina Martin", available=True, seen=now)
    colleague = add_staff("Paul Petit", available=True, seen=now, max_conversations=1)
    request = request_handoff(uow_factory(), add_conversation(customer="Camille Durand"), now)
    accept(uow_factory(), request.id, holder, now)
    return request.id, holder, colleague


def test_a_transfer_moves_the_chat_and_leaves_a_staff_only_note(uow_factory, chat, now) -> None:
    request_id, holder, colleague = chat

    view = transfer(uow_factory(), request_id, holder, colleague, now, "  client  pressé ")

    assert view.status == "accepted" and view.advisor_id == colleague
    assert view.advisor_name == "Paul Petit"
    with uow_factory() as uow:
        [note] = notes_of(uow.session, [request_id])[request_id]
    assert (note.kind, note.author_name, note.transferred_to, note.text) == (
        "transfer",
        "Nina Martin",
        "Paul Petit",
        "client pressé",
    )


def test_a_transfer_is_refused_to_a_colleague_away_full_or_unknown(
    uow_factory, chat, add_staff, add_conversation, now
) -> None:
    request_id, holder, colleague = chat
    away = add_staff("Away", available=True, seen=now - timedelta(minutes=10))
    off = add_staff("Off", available=False, seen=now)
    mechanic = add_staff("Mechanic", role="mechanic", available=True, seen=now)
    other = request_handoff(uow_factory(), add_conversation(), now)
    accept(uow_factory(), other.id, colleague, now)  # Paul is at his maximum of 1

    refusals = {}
    for target in (away, off, colleague, mechanic, 999_999, holder):
        with pytest.raises((Conflict, AdvisorFull, NotFound, InvalidValue)) as refused:
            transfer(uow_factory(), request_id, holder, target, now)
        refusals[target] = refused.value.code

    assert refusals == {
        away: "advisor_unavailable",
        off: "advisor_unavailable",
        colleague: "advisor_full",
        mechanic: "unknown_advisor",
        999_999: "unknown_advisor",
        holder: "same_advisor",
    }
    assert get_request(uow_factory(), request_id).advisor_id == holder  # nothing moved


def test_only_the_holder_or_an_admin_transfers_an_accepted_chat(
    uow_factory, chat, add_staff, add_conversation, now
) -> None:
    request_id, holder, colleague = chat
    admin = add_staff("Ada Admin", role="admin", available=True, seen=now)
    pending = request_handoff(uow_factory(), add_conversation(), now)

    with pytest.raises(Forbidden):
        transfer(uow_factory(), request_id, colleague, admin, now)
    with pytest.raises(Conflict) as not_accepted:
        transfer(uow_factory(), pending.id, holder, colleague, now)
    moved = transfer(uow_factory(), request_id, admin, colleague, now)

    assert not_accepted.value.code == "handoff_not_accepted"
    assert moved.advisor_id == colleague


def test_transfer_targets_list_colleagues_who_can_take_it_first(uow_factory, chat, now) -> None:
    request_id, holder, colleague = chat

    targets = transfer_targets(uow_factory(), request_id, now)

    assert holder not in [t.id for t in targets]
    assert targets[0].id == colleague and targets[0].available
    assert (targets[0].conversations, targets[0].max_conversations) == (0, 1)


def test_two_transfers_racing_for_a_colleagues_last_place_exactly_one_wins(
    racing_uow, add_staff, add_conversation, now
) -> None:
    target = add_staff("Paul Petit", available=True, seen=now, max_conversations=1)
    holders = [add_staff(f"Holder {i}", available=True, seen=now) for i in range(2)]
    requests = []
    for holder in holders:
        request = request_handoff(racing_uow(), add_conversation(), now)
        accept(racing_uow(), request.id, holder, now)
        requests.append((request.id, holder))

    won, lost = race(
        [lambda r=r, h=h: transfer(racing_uow(), r, h, target, now) for r, h in requests]
    )

    assert len(won) == 1 and len(lost) == 1, (won, lost)
    assert isinstance(lost[0], AdvisorFull), repr(lost[0])
    holders_now = [get_request(racing_uow(), r).advisor_id for r, _ in requests]
    assert holders_now.count(target) == 1


def test_one_chat_transferred_to_two_colleagues_at_once_has_one_holder(
    racing_uow, add_staff, add_conversation, now
) -> None:
    holder = add_staff("Nina Martin", available=True, seen=now)
    targets = [add_staff(f"Target {i}", available=True, seen=now) for i in range(2)]
    request = request_handoff(racing_uow(), add_conversation(), now)
    accept(racing_uow(), request.id, holder, now)

    won, lost = race(
        [lambda t=t: transfer(racing_uow(), request.id, holder, t, now) for t in targets]
    )

    assert len(won) == 1 and len(lost) == 1, (won, lost)
    # the loser either read the holder before the winner's commit (its conditional update
    # then finds another holder) or after it (it no longer holds the chat)
    assert isinstance(lost[0], (AlreadyTaken, Forbidden)), repr(lost[0])
    assert lost[0].code in ("conversation_moved", "not_your_conversation")
    assert get_request(racing_uow(), request.id).advisor_id == won[0].advisor_id


def test_notes_are_the_holders_or_an_admins_and_never_empty(
    uow_factory, chat, add_staff, now
) -> None:
    request_id, holder, colleague = chat
    admin = add_staff("Ada Admin", role="admin")

    mine = add_note(uow_factory(), request_id, holder, "Client fidèle depuis 2019", now)
    theirs = add_note(uow_factory(), request_id, admin, "Vu avec l'atelier", now)
    with pytest.raises(Forbidden):
        add_note(uow_factory(), request_id, colleague, "pas la mienne", now)
    with pytest.raises(InvalidValue):
        add_note(uow_factory(), request_id, holder, "   ", now)
    with pytest.raises(NotFound):
        add_note(uow_factory(), 999_999, holder, "?", now)

    with uow_factory() as uow:
        notes = notes_of(uow.session, [request_id])[request_id]
    assert [(n.kind, n.author_name, n.text) for n in notes] == [
        ("note", "Nina Martin", "Client fidèle depuis 2019"),
        ("note", "Ada Admin", "Vu avec l'atelier"),
    ]
    assert (mine.id, theirs.id) == (notes[0].id, notes[1].id)


def test_the_customer_ends_the_chat_and_rates_it_once(uow_factory, chat, now) -> None:
    request_id, holder, _ = chat
    conversation_id = get_request(uow_factory(), request_id).conversation_id

    ended = end_for_customer(uow_factory(), conversation_id, now)
    again = end_for_customer(uow_factory(), conversation_id, now)
    rated = rate_chat(uow_factory(), conversation_id, 4, now + timedelta(minutes=1))
    with pytest.raises(Conflict) as twice:
        rate_chat(uow_factory(), conversation_id, 5, now + timedelta(minutes=2))
    with pytest.raises(InvalidValue):
        rate_chat(uow_factory(), conversation_id, 6, now)

    assert ended is not None and (ended.status, ended.ended_by) == ("closed", "customer")
    assert again is None
    assert (rated.request_id, rated.advisor_name, rated.score) == (request_id, "Nina Martin", 4)
    assert twice.value.code == "already_rated"
    assert get_request(uow_factory(), request_id).rating == 4


def test_a_chat_ended_more_than_a_day_ago_or_never_held_cannot_be_rated(
    uow_factory, chat, add_conversation, now
) -> None:
    request_id, holder, _ = chat
    conversation_id = get_request(uow_factory(), request_id).conversation_id
    close(uow_factory(), request_id, holder, now)

    with pytest.raises(NotFound):
        rate_chat(uow_factory(), conversation_id, 5, now + timedelta(days=1, minutes=1))
    with pytest.raises(NotFound):
        rate_chat(uow_factory(), add_conversation(), 5, now)


def test_ratings_are_counted_and_averaged_per_advisor(
    uow_factory, add_staff, add_conversation, now
) -> None:
    nina = add_staff("Nina Martin", available=True, seen=now, max_conversations=5)
    paul = add_staff("Paul Petit", available=True, seen=now, max_conversations=5)
    for advisor, score in ((nina, 5), (nina, 4), (paul, 3)):
        conversation_id = add_conversation()
        request = request_handoff(uow_factory(), conversation_id, now)
        accept(uow_factory(), request.id, advisor, now)
        close(uow_factory(), request.id, advisor, now)
        rate_chat(uow_factory(), conversation_id, score, now)

    ratings = advisor_ratings(uow_factory())

    assert [(r.advisor_name, r.count, r.average) for r in ratings] == [
        ("Nina Martin", 2, 4.5),
        ("Paul Petit", 1, 3.0),
    ]
    assert ratings[0].by_score == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1}


def _customer_with_email(uow_factory, conversation_id: int, email: str, proved: bool, now) -> None:
    """The conversation's customer gets `email`; `proved`: a code sent there was typed back."""
    with uow_factory() as uow:
        session = uow.session
        identity = session.query(ChannelIdentity).filter_by(channel="web").all()
        customer = session.get(Customer, identity[-1].customer_id)
        customer.email = email
        session.add(
            OtpChallenge(
                purpose="identify",
                conversation_id=conversation_id,
                customer_id=customer.id,
                transport="email",
                destination=email.upper() if proved else "other@example.fr",
                secret="JBSWY3DPEHPK3PXP",
                counter=1,
                created_at=now,
                expires_at=now + timedelta(minutes=5),
                consumed_at=now,
            )
        )
        uow.commit()


def test_the_transcript_goes_once_and_only_to_a_verified_address(uow_factory, chat, now) -> None:
    request_id, holder, _ = chat
    conversation_id = get_request(uow_factory(), request_id).conversation_id
    with uow_factory() as uow:
        uow.session.add_all(
            [
                Message(
                    conversation_id=conversation_id,
                    direction="in",
                    sender="web:visitor",
                    text="Ma moto fait un bruit",
                    status="answered",
                    created_at=now + timedelta(minutes=1),
                ),
                Message(
                    conversation_id=conversation_id,
                    direction="out",
                    sender=f"advisor:{holder}",
                    text="Passez demain à 9 h",
                    status="delivered",
                    created_at=now + timedelta(minutes=2),
                ),
            ]
        )
        uow.commit()
    end_for_customer(uow_factory(), conversation_id, now + timedelta(minutes=3))
    later = now + timedelta(minutes=4)
    _customer_with_email(uow_factory, conversation_id, "camille@example.fr", False, now)

    assert verified_email(uow_factory(), conversation_id) is None
    with pytest.raises(Conflict) as unverified:
        claim_transcript(uow_factory(), conversation_id, "fr", later)

    _customer_with_email(uow_factory, conversation_id, "camille@example.fr", True, now)
    mail = claim_transcript(uow_factory(), conversation_id, "fr", later)
    with pytest.raises(Conflict) as twice:
        claim_transcript(uow_factory(), conversation_id, "fr", later)
    release_transcript(uow_factory(), mail.request_id)  # the relay failed: asked again
    again = claim_transcript(uow_factory(), conversation_id, "en", later)

    assert unverified.value.code == "no_verified_email"
    assert twice.value.code == "transcript_already_sent"
    assert mail.destination == "camille@example.fr"
    assert mail.subject == "Votre conversation avec Nina Martin"
    assert "[10:31] Vous : Ma moto fait un bruit" in mail.body  # Paris time
    assert "[10:32] Nina Martin : Passez demain à 9 h" in mail.body
    assert again.subject == "Your chat with Nina Martin" and "You: Ma moto" in again.body
