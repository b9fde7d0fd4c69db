"""Each customer message leaves one trace across the processes (docs/operations.md, "Traces"):
the stack's web app and action server export to a fake OTLP collector on 127.0.0.1
(tests/e2e/conftest.py); a message that runs an action gives one trace holding the web app's
request, hub and Rasa round-trip spans and the action server's action and SQL spans, with
no text of the message in any span; the web app's log lines of the turn carry its trace id."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from core.models import Conversation
from tests.e2e.chat import Chat
from tests.e2e.otlp_collector import CollectedSpan, Collector

AGENCY_QUESTION = "vous avez un garage pres de Lyon ?"  # runs action_find_agency


def conversation_id(database_url: str, chat: Chat) -> int:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.scalar(
                select(Conversation.id).where(Conversation.external_id == chat.external_id)
            )
    finally:
        engine.dispose()


def turns_of(spans: list[CollectedSpan], conversation: int) -> list[str]:
    """The trace ids of the hub's turns of `conversation`."""
    return [
        s.trace_id
        for s in spans
        if s.name == "hub.inbound" and s.attributes.get("pitlane.conversation_id") == conversation
    ]


def web_log_of(stack, conversation: int) -> list[dict]:  # noqa: ANN001 (the Stack)
    """The web app's JSON log lines bound to `conversation` (docs/operations.md, "Logs")."""
    lines = stack.log_file("web").read_text(errors="replace").splitlines()
    entries = [json.loads(line) for line in lines if line[:1] == "{"]
    return [e for e in entries if e.get("conversation_id") == conversation]


def has_action(trace_id: str, action: str):  # noqa: ANN201 (a predicate)
    return lambda spans: any(s.trace_id == trace_id and s.name == f"action {action}" for s in spans)


def test_each_message_leaves_one_trace_from_the_web_app_through_the_actions(
    stack, database_url, trace_collector: Collector
) -> None:
    chats = [Chat(stack.config.web_url, language="fr") for _ in range(2)]
    for chat in chats:
        chat.say(AGENCY_QUESTION)
        assert any((r.get("custom") or {}).get("agencies") for r in chat.replies)

    for chat in chats:
        conversation = conversation_id(database_url, chat)
        spans = trace_collector.wait_for(lambda s, c=conversation: bool(turns_of(s, c)))
        [trace_id] = turns_of(spans, conversation)  # one message, one trace
        spans = trace_collector.wait_for(has_action(trace_id, "action_find_agency"))
        in_trace = [s for s in spans if s.trace_id == trace_id]
        web = {s.name for s in in_trace if s.service == "pitlane-web"}
        actions = [s for s in in_trace if s.service == "pitlane-actions"]
        assert {"POST /webhooks/rest/webhook", "hub.inbound", "rasa.turn"} <= web
        [action] = [s for s in actions if s.name == "action action_find_agency"]
        [turn] = [s for s in in_trace if s.name == "rasa.turn"]
        assert action.parent_id == turn.span_id  # Rasa in between, untraced
        assert any(s.parent_id == action.span_id and "db.system" in s.attributes for s in actions)
        [root] = [s for s in in_trace if not s.parent_id]
        assert root.name == "POST /webhooks/rest/webhook"
        values = " ".join(str(v) for s in in_trace for v in s.attributes.values())
        assert AGENCY_QUESTION not in values and "garage" not in values
        logged = web_log_of(stack, conversation)
        assert logged  # the Rasa call's and the access lines at least
        assert {e.get("trace_id") for e in logged} == {trace_id}
