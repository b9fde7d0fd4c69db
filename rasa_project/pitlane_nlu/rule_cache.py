"""RulePolicy's rule keys, parsed once and indexed (serve_rasa.py applies both at start).

Rasa 3.6's RulePolicy parses each learned rule key (a JSON string) through
`RulePolicy._rule_key_to_state`, an `lru_cache(maxsize=1000)`; every prediction walks all
the keys. Our model has about 1,750 rule keys (the forms' generated rules), so an LRU of 1000
entries walked in the same order misses every time, and each prediction parses every key
again: about 30 ms of CPU per prediction, several predictions per message (bench/nlu_cost.py).

`widen()` puts the same pure function behind an unbounded cache. The keys come only from the
loaded model's lookup tables, so the cache holds at most those (a few MB); what it returns is
what json.loads returns, so predictions are unchanged. No retraining: the model is the same.

`index()` then spares the walk itself. At every prediction, RulePolicy tests each of the
~1,750 keys against the conversation's last state before it looks further back, and only
a handful pass: a rule's last state names the previous action and, mostly, the intent that
must be there. The index files every key under the previous action and the intent its last
state asks for (or "any" when it asks for none); a prediction starts from the keys filed
under the conversation's own previous action and intent and under "any", and runs Rasa's
own test on those, turn by turn as before. A key that is not a candidate would have failed
Rasa's test on the last state, so the keys found, hence the predictions, are the same
(tests/integration/test_rasa_speedups.py compares both on every call of a conversation set).
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

# Rasa 3.6's names (rasa.shared.core.constants, rasa.shared.nlu.constants), repeated so this
# module imports no Rasa until it patches it.
_PREVIOUS_ACTION = "prev_action"
_USER = "user"
_ACTION_NAME = "action_name"
_INTENT = "intent"
_SHOULD_NOT_BE_SET = "should_not_be_set"
_ANY = object()  # the rule's last state asks for no action name, or no intent


def _rule_key_to_state(rule_key: str) -> list:
    return json.loads(rule_key)


def widen() -> bool:
    """Replace RulePolicy's 1000-entry cache by an unbounded one; False when this Rasa has
    no such method (another version: nothing is changed)."""
    from rasa.core.policies.rule_policy import RulePolicy

    current = RulePolicy.__dict__.get("_rule_key_to_state")
    if not isinstance(current, staticmethod) or not hasattr(current.__func__, "cache_info"):
        return False
    RulePolicy._rule_key_to_state = staticmethod(functools.cache(_rule_key_to_state))
    return True


class RuleIndex:
    """The keys of one RulePolicy lookup table, filed by what their last state requires."""

    def __init__(self, lookup: dict[str, str], parse: Any) -> None:
        self.lookup = lookup  # kept so the index is never mistaken for another table's
        self.always: list[str] = []  # an empty rule: applicable at any state
        self.at_start: list[str] = []  # no previous action: only a conversation's start
        self.filed: dict[tuple[object, object], list[str]] = defaultdict(list)
        for key in lookup:
            states = parse(key)
            if not states:
                self.always.append(key)
                continue
            last = states[-1]
            previous = last.get(_PREVIOUS_ACTION)
            if not previous:
                self.at_start.append(key)
                continue
            name = _required(previous.get(_ACTION_NAME))
            intent = _required((last.get(_USER) or {}).get(_INTENT))
            self.filed[(name, intent)].append(key)

    def candidates(self, state: dict) -> Iterable[str]:
        """Every key whose last state can match `state` (and maybe a few that cannot)."""
        previous = state.get(_PREVIOUS_ACTION)
        if not previous:
            return [*self.always, *self.at_start]
        name = previous.get(_ACTION_NAME, _ANY)
        intent = (state.get(_USER) or {}).get(_INTENT, _ANY)
        found = [*self.always]
        for wanted in {(name, intent), (name, _ANY), (_ANY, intent), (_ANY, _ANY)}:
            found += self.filed.get(wanted, ())
        return found


def _required(value: object) -> object:
    """The value a rule's state requires for one feature, else _ANY: RulePolicy's
    `_does_rule_match_state` checks a rule's value only when it is set and not
    "should_not_be_set"."""
    if isinstance(value, list):
        value = tuple(value)
    if not value or value == _SHOULD_NOT_BE_SET:
        return _ANY
    return value


def index() -> bool:
    """Make RulePolicy's `_get_possible_keys` start from the index's candidates; False when
    this Rasa has no such method (another version: nothing is changed)."""
    from rasa.core.policies.rule_policy import RulePolicy

    walk = RulePolicy.__dict__.get("_get_possible_keys")
    if walk is None or getattr(walk, "indexed", False):
        return walk is not None

    def _get_possible_keys(self, lookup: dict[str, str], states: list[dict]) -> set[str]:
        if not states:
            return walk(self, lookup, states)
        indexes = self.__dict__.setdefault("_pitlane_rule_indexes", {})
        found = indexes.get(id(lookup))
        if found is None or found.lookup is not lookup:  # the model's tables never change
            found = indexes[id(lookup)] = RuleIndex(lookup, self._rule_key_to_state)
        possible = set(found.candidates(states[-1]))
        for turn, state in enumerate(reversed(states)):  # Rasa's own test, on fewer keys
            possible = {key for key in possible if self._is_rule_applicable(key, turn, state)}
        return possible

    _get_possible_keys.indexed = True
    _get_possible_keys.rasa_walk = walk
    RulePolicy._get_possible_keys = _get_possible_keys
    return True
