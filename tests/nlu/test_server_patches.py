"""The action-reply validation of the Rasa server: same verdicts with the schema checked once."""
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import bot.channels  # noqa: F401  (applies the patch, as in the server)
from bot import server_patches


def test_the_patch_is_applied():
    assert RemoteAction._validate_action_result is server_patches._validate_action_result


def test_valid_and_invalid_action_replies_keep_their_verdicts():
    action = RemoteAction("action_answer_topic", None)
    assert action._validate_action_result({"events": [], "responses": [{"text": "hi"}]}) is True
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})
