"""Running a rasa_sdk action as the action server would: a CollectingDispatcher on a tracker."""
from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def tracker(intent: str, entities=(), events=(), channel: str = "rest", sender: str = "patient-1") -> Tracker:
    latest = {"intent": {"name": intent, "confidence": 0.9}, "entities": list(entities), "text": "…",
              "intent_ranking": []}
    return Tracker(sender, {}, latest, list(events) + [{"event": "user", "input_channel": channel, "parse_data": latest}],
                   False, None, {}, "action_listen")


def run(action, tracker_):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, {}))
    return events, dispatcher.messages


def entity(name, value):
    return {"entity": name, "value": value}
