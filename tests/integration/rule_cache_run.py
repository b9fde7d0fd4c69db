"""Run by tests/integration/test_rule_cache.py in Rasa's Python (.venv-rasa): loads the
trained model, predicts the next action for a few conversations with Rasa's own RulePolicy
cache, then again after pitlane_nlu.rule_cache.widen() (twice), and prints as JSON the
predictions and the widened cache's statistics.

    python rule_cache_run.py <rasa_project dir> <model file>
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
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    found = []
    for texts in CONVERSATIONS:
        events = [ActionExecuted("action_session_start"), ActionExecuted("action_listen")]
        for text in texts:
            parsed = asyncio.run(agent.processor.parse_message(UserMessage(text)))
            events.append(UserUttered(text, parsed["intent"], parsed["entities"], parsed))
            tracker = DialogueStateTracker.from_events("t", events, agent.domain.slots)
            prediction = agent.processor.predict_next_with_tracker(tracker)
            best = max(prediction["scores"], key=lambda score: score["score"])
            found.append([text, best["action"], prediction["policy"], prediction["confidence"]])
            events.append(ActionExecuted("action_listen"))
    return found


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
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
