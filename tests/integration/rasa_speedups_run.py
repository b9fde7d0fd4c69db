"""Run by tests/integration/test_rasa_speedups.py in Rasa's Python (.venv-rasa): loads the
trained model, predicts the next action for a few conversations with Rasa's own RulePolicy
cache, then again after pitlane_nlu.rule_cache.widen() (twice), then after
pitlane_nlu.rule_cache.index() with every indexed walk checked against Rasa's own; then
checks answers of the action server, valid and not, with Rasa's own validation and with
pitlane_nlu.action_schema's; then counts the connections five requests to an endpoint
open, before and after pitlane_nlu.endpoint_sessions.reuse(); prints all of it as JSON.

    python rasa_speedups_run.py <rasa_project dir> <model file>
"""

import asyncio
import json
import sys

CONVERSATIONS = (
    ("bonjour",),
    ("slt je voudrais verifier l'entretien de ma moto", "une 2019"),
    ("/check_maintenance", "2022", "l'ete dernier"),
    ("Hi, I need to check if my bike is due for a service", "stop"),
    ("/contact_info", "/ask_email"),
    ("qsdlkj zzkq wpx",),
)


def predictions(agent) -> list:
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    found = []
    for texts, forms_open in [(texts, False) for texts in CONVERSATIONS] + [
        (texts, True) for texts in CONVERSATIONS
    ]:
        events = [ActionExecuted("action_session_start"), ActionExecuted("action_listen")]
        for text in texts:
            parsed = asyncio.run(agent.processor.parse_message(UserMessage(text)))
            events.append(UserUttered(text, parsed["intent"], parsed["entities"], parsed))
            chain = []  # the actions predicted one after the other, up to action_listen
            while len(chain) < 4:
                tracker = DialogueStateTracker.from_events("t", events, agent.domain.slots)
                prediction = agent.processor.predict_next_with_tracker(tracker)
                best = max(prediction["scores"], key=lambda score: score["score"])
                chain.append([best["action"], prediction["policy"], prediction["confidence"]])
                events.append(ActionExecuted(best["action"]))
                if forms_open and best["action"] in agent.domain.form_names:  # it asks
                    events.append(ActiveLoop(best["action"]))
                if best["action"] == "action_listen":
                    break
            else:
                events.append(ActionExecuted("action_listen"))
            found.append([text, chain])
    return found


def compared_walks(policy) -> dict:
    """Wrap the indexed `_get_possible_keys` so each call also runs Rasa's own walk; the
    returned counts fill in as predictions run."""
    indexed = policy._get_possible_keys
    counts = {"calls": 0, "differ": 0, "keys_found": 0, "candidates_at_most": 0}

    def both(self, lookup, states):
        found = indexed(self, lookup, states)
        counts["calls"] += 1
        counts["keys_found"] += len(found)
        counts["differ"] += found != indexed.rasa_walk(self, lookup, states)
        if states:
            index = self._pitlane_rule_indexes[id(lookup)]
            counts["candidates_at_most"] = max(
                counts["candidates_at_most"], len(list(index.candidates(states[-1])))
            )
            counts["table_size"] = max(counts.get("table_size", 0), len(lookup))
        return found

    policy._get_possible_keys = both
    return counts


ANSWERS = (
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "vehicle_year", "value": 2019, "timestamp": None},
            {"event": "active_loop", "name": "maintenance_form"},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [{"text": "Quelle année ?", "buttons": [{"title": "2019"}]}],
    },
    {"events": [{"event": "slot", "name": "language", "value": "fr"}]},
    {},
    {"events": {"event": "slot"}},  # not a list
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "vehicle_year"}]},  # no "event"
    {"events": [{"event": "slot", "name": 7}]},  # a name that is not a string
    {"responses": "hello"},
    {"responses": ["hello"]},
    [],
    "not an object",
)


def checked_answers(action, compiled: bool) -> list:
    """For each answer: accepted, or refused with the error's message."""
    check = action._validate_action_result if compiled else None
    outcomes = []
    for answer in ANSWERS:
        try:
            if check is None:
                type(action)._validate_action_result.rasa_check(action, answer)
            else:
                check(answer)
            outcomes.append("accepted")
        except Exception as error:  # noqa: BLE001 (each refusal is compared as it is)
            outcomes.append(f"{type(error).__name__}: {getattr(error, 'message', error)}")
    return outcomes


def connections_used(kept: bool) -> dict:
    """Five requests through an EndpointConfig to a local aiohttp server, in one event loop,
    then one in another loop: how many client connections the server saw, and what it got."""
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    seen: list = []

    async def answer(request):
        seen.append((request.transport.get_extra_info("peername")[1], dict(request.headers)))
        return web.json_response({"events": [], "responses": [], "got": await request.json()})

    async def run(rounds: int, endpoint) -> list:
        app = web.Application()
        app.router.add_post("/webhook", answer)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        endpoint.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/webhook"
        try:
            return [await endpoint.request(json={"n": n}) for n in range(rounds)]
        finally:
            await runner.cleanup()

    endpoint = EndpointConfig("http://placeholder", headers={"X-Pitlane-Action-Token": "t0k"})
    answers = asyncio.run(run(5, endpoint))
    first_loop = len({port for port, _ in seen})
    asyncio.run(run(1, endpoint))  # a new event loop: a new session, not the closed loop's
    return {
        "kept": kept,
        "answers": [a["got"] for a in answers],
        "connections_first_loop": first_loop,
        "requests": len(seen),
        "token_sent": all(h.get("X-Pitlane-Action-Token") == "t0k" for _, h in seen),
    }


def main(project: str, model: str) -> None:
    sys.path.insert(0, project)
    from pitlane_nlu import rule_cache
    from rasa.core.agent import Agent
    from rasa.core.policies.rule_policy import RulePolicy

    agent = Agent.load(model)
    before = predictions(agent)
    widened = rule_cache.widen()
    after = predictions(agent)
    first = RulePolicy._rule_key_to_state.cache_info()
    again = predictions(agent)
    second = RulePolicy._rule_key_to_state.cache_info()
    from pitlane_nlu import action_schema
    from rasa.core.actions.action import RemoteAction

    compiled = action_schema.compile_once()
    action = RemoteAction("validate_maintenance_form", None)
    answers_rasa, answers_compiled = checked_answers(action, False), checked_answers(action, True)
    from pitlane_nlu import endpoint_sessions

    connections_rasa = connections_used(False)
    reused = endpoint_sessions.reuse()
    connections_kept = connections_used(True)
    indexed = rule_cache.index()
    walks = compared_walks(RulePolicy)
    with_index = predictions(agent)
    print(
        json.dumps(
            {
                "widened": widened,
                "before": before,
                "after": after,
                "again": again,
                "maxsize": second.maxsize,
                "misses_first_pass": first.misses,
                "misses_second_pass": second.misses - first.misses,
                "hits_second_pass": second.hits - first.hits,
                "indexed": indexed,
                "indexed_again": rule_cache.index(),
                "with_index": with_index,
                "walks": walks,
                "compiled": compiled,
                "compiled_again": action_schema.compile_once(),
                "answers_rasa": answers_rasa,
                "answers_compiled": answers_compiled,
                "reused": reused,
                "reused_again": endpoint_sessions.reuse(),
                "connections_rasa": connections_rasa,
                "connections_kept": connections_kept,
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
