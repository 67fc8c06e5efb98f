"""A typed "yes" to "Do you have <a warning sign> now?" (asked by actions/answers.py after a question about the sign,
or when the two nets disagree on it) is the patient saying they have it: it is triaged as that sign. The question's
Yes button sends the sign's own words instead; a "yes" to anything else gets "anything else?"."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.triage import triage_reply
from bot.triage.lexicon import RedFlagEntry

def sign_asked_about(tracker: Tracker) -> Optional[RedFlagEntry]:
    """The warning sign the bot asked about in its replies to the message before this one, if it asked: the question
    carries its code in the reply's custom payload (`asked_if_had_now`, actions/answers.py)."""
    events = list(tracker.events)
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(users) < 2:
        return None
    lexicon = services.lexicon()
    for reply in reversed(events[users[-2] + 1:users[-1]]):
        custom = ((reply.get("data") or {}).get("custom") or {}) if reply.get("event") == "bot" else {}
        code = custom.get("asked_if_had_now") if isinstance(custom, dict) else None
        if code and lexicon.has(code):
            return lexicon.by_code(code)
    return None


class ActionYes(Action):
    def name(self) -> Text:
        return "action_yes"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        flag = sign_asked_about(tracker)
        if flag is None:
            dispatcher.utter_message(response="utter_anything_else")
            return []
        return triage_reply(dispatcher, tracker, flag.level, [flag.code])
