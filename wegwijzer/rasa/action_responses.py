"""Rasa checks every answer of the action server against a JSON schema, and with ``jsonschema.validate``
it first checks the schema itself, every time: py-spy showed that check as a tenth of the Rasa server's busy
time per message. Here the schema is checked once and the validator kept. An answer that does not fit is
handed to Rasa's own check, so it is refused exactly as before (same error, same log line)."""
from __future__ import annotations

from typing import Any, Callable, Dict

from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

_rasa_check: Callable[[RemoteAction, Dict[str, Any]], bool] = RemoteAction._validate_action_result


def check_action_responses_with_one_validator() -> None:
    """Replace ``RemoteAction._validate_action_result`` by one that reuses a checked validator (idempotent)."""
    if getattr(RemoteAction._validate_action_result, "reuses_validator", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        if validator.is_valid(result):
            return True
        return _rasa_check(self, result)

    validate_action_result.reuses_validator = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
