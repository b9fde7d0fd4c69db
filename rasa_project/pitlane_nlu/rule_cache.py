"""RulePolicy's rule-key cache sized to the model's rules (serve_rasa.py applies it at start).

Rasa 3.6's RulePolicy parses each learned rule key (a JSON string) through
`RulePolicy._rule_key_to_state`, an `lru_cache(maxsize=1000)`; every prediction walks all
the keys. Our model has about 1,750 rule keys (the forms' generated rules), so an LRU of 1000
entries walked in the same order misses every time, and each prediction parses every key
again: about 30 ms of CPU per prediction, several predictions per message (bench/nlu_cost.py).

`widen()` puts the same pure function behind an unbounded cache. The keys come only from the
loaded model's lookup tables, so the cache holds at most those (a few MB); what it returns is
what json.loads returns, so predictions are unchanged. No retraining: the model is the same.
"""

from __future__ import annotations

import functools
import json


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
