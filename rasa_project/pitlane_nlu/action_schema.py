"""The action server's answers validated against a schema compiled once (serve_rasa.py
applies it at start).

Rasa 3.6 checks every answer of the action server with `jsonschema.validate(answer,
schema)` (`RemoteAction._validate_action_result`). That function first validates the
schema itself against JSON Schema's 2020-12 meta-schema, then builds a validator, then
checks the answer: on this machine, under 20 concurrent conversations, about half of the
Rasa process's CPU samples were in jsonschema (py-spy, docs/scaling.md), most of it the
schema's own check, the same constant schema at every call.

`compile_once()` keeps Rasa's schema (`RemoteAction.action_response_format_spec()`), checks
it once, builds its validator once, and checks each answer as `jsonschema.validate` does:
the best-matching error raised, with Rasa's own hint added to its message. An answer is
accepted or refused exactly as before (tests/integration/test_rasa_speedups.py).
"""

from __future__ import annotations

from typing import Any

_HINT = (
    ". Failed to validate Action server response from API, "
    "make sure your response from the Action endpoint is valid. "
    "For more information about the format visit "
)


def compile_once() -> bool:
    """Make RemoteAction validate answers with one compiled validator; False when this Rasa
    has no such method (another version: nothing is changed)."""
    from jsonschema import exceptions, validators
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    rasa_check = RemoteAction.__dict__.get("_validate_action_result")
    if rasa_check is None or getattr(rasa_check, "compiled", False):
        return rasa_check is not None
    schema = RemoteAction.action_response_format_spec()
    kind = validators.validator_for(schema)
    kind.check_schema(schema)
    validator = kind(schema)

    def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        error = exceptions.best_match(validator.iter_errors(result))
        if error is not None:
            error.message += f"{_HINT}{DOCS_BASE_URL}/custom-actions"
            raise error
        return True

    _validate_action_result.compiled = True
    _validate_action_result.rasa_check = rasa_check
    RemoteAction._validate_action_result = _validate_action_result
    return True
