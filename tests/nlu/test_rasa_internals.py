"""The private parts of Rasa the assistant relies on (bot/rasa/internals.py): all there in the pinned Rasa, and a
missing one stops the server and the channels at start-up with its name."""
import pytest
import rasa
from rasa.core.channels import socketio

from bot.rasa import internals


def test_every_relied_on_internal_is_there_in_the_pinned_rasa():
    assert rasa.__version__ == internals.WRITTEN_FOR
    assert internals.missing() == []
    assert len(internals.RELIED_ON) >= 8


def test_a_gone_internal_is_named_with_who_needs_it(monkeypatch):
    monkeypatch.delattr(socketio.SocketIOOutput, "_send_message")
    gone = internals.missing()
    assert len(gone) == 1 and "SocketIOOutput._send_message" in gone[0] and "socketio.py" in gone[0]
    with pytest.raises(RuntimeError, match="SocketIOOutput._send_message"):
        internals.require("the web chat channel")


def test_the_channels_refuse_to_start_without_an_internal_they_call(monkeypatch):
    from bot.rasa.channels.socketio import GuardedSocketIOInput
    from bot.rasa.channels.twilio import SignedTwilioVoiceInput

    monkeypatch.delattr(socketio.SocketIOOutput, "_send_message")
    async def handler(_message):
        pass

    for channel in (GuardedSocketIOInput.from_credentials({}),
                    SignedTwilioVoiceInput.from_credentials({"auth_token": "t" * 32})):
        with pytest.raises(RuntimeError, match="_send_message"):
            channel.blueprint(handler)


def test_another_rasa_version_is_a_problem_named_with_both_versions(monkeypatch):
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    problem = internals.version_problem()
    assert "3.7.0" in problem and internals.WRITTEN_FOR in problem
    assert internals.version_problem(internals.WRITTEN_FOR) is None
