"""Every private part of Rasa the assistant relies on, in one list, and the Rasa version it was written for.

Rasa does not promise to keep these between versions. The speed patches and the tracker store refuse to run on
any other version (they copy or query that version's code); the channels, which only call these, check at start-up
that each one is still there, so that an upgrade fails at once with the name of what is gone, not at a patient's
first message."""
from __future__ import annotations

import importlib
from typing import List, Optional, Tuple

import rasa

WRITTEN_FOR = "3.6.21"

# (module, attribute path, who relies on it and why)
RELIED_ON: Tuple[Tuple[str, str, str], ...] = (
    ("rasa.core.actions.action", "RemoteAction._validate_action_result",
     "bot/rasa/patches.py replaces it with a copy of its 3.6.21 body that builds the validator once"),
    ("rasa.shared.core.events", "Event.resolve_by_type",
     "bot/rasa/patches.py caches its answer per event name"),
    ("rasa.utils.endpoints", "EndpointConfig.session",
     "bot/rasa/patches.py lends one open session per event loop in its place (EndpointConfig.request enters it "
     "with `async with`)"),
    ("rasa.core.tracker_store", "SQLTrackerStore._event_query",
     "bot/rasa/tracker_store.py loads only the latest session's events with it"),
    ("rasa.core.tracker_store", "SQLTrackerStore.SQLEvent.__table__",
     "bot/rasa/tracker_store.py inserts new events into Rasa's own table"),
    ("rasa.core.tracker_store", "SQLTrackerStore.session_scope",
     "bot/rasa/tracker_store.py reads and writes in Rasa's sessions"),
    ("rasa.core.channels.channel", "CollectingOutputChannel._persist_message",
     "bot/rasa/channels/twilio.py collects a whole turn before shaping the SMS or the spoken reply"),
    ("rasa.core.channels.socketio", "SocketIOOutput._send_message",
     "bot/rasa/channels/socketio.py sends to the conversation's room, not to one socket"),
    ("rasa.core.channels.twilio_voice", "TwilioVoiceInput._build_twilio_voice_response",
     "bot/rasa/channels/twilio.py builds the spoken answer with Rasa's own TwiML"),
)
# Not checkable before the server runs: `app.ctx.agent`, which rasa.core.run sets on the Sanic app and the channel
# guard and the SMS channel read (the end-to-end tests exercise both).


def version_problem(version: Optional[str] = None) -> Optional[str]:
    """Why code that copies or queries this Rasa's internals must not run on it, or None."""
    version = version or rasa.__version__
    if version != WRITTEN_FOR:
        return (f"bot/rasa was written for Rasa {WRITTEN_FOR} (bot/rasa/internals.py lists the private parts it "
                f"copies or calls) and this is Rasa {version}: check each against the new version, then update "
                f"WRITTEN_FOR")
    return None


def _resolves(module: str, path: str) -> bool:
    try:
        found = importlib.import_module(module)
        for name in path.split("."):
            found = getattr(found, name)
    except (ImportError, AttributeError):
        return False
    return True


def missing() -> List[str]:
    """Each relied-on internal this Rasa no longer has, with who needs it."""
    return [f"{module}.{path} ({used_by})" for module, path, used_by in RELIED_ON if not _resolves(module, path)]


def require(who: str) -> None:
    """Stops `who` at start-up, with the names, when a relied-on internal is gone."""
    gone = missing()
    if gone:
        raise RuntimeError(f"{who} cannot run on Rasa {rasa.__version__}: it relies on Rasa internals that are "
                           f"gone: {'; '.join(gone)}")
