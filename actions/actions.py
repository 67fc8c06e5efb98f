"""Thin rasa_sdk actions: read the tracker, call bot.*, utter. The reply metadata goes in `json_message`."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from bot import escalations
from bot.triage.disposition import decide, whom_to_call

logger = logging.getLogger(__name__)

LEVELS_BY_ENTITY = {f"level_{level}": level for level in ("emergency", "urgent", "soon", "self_care")}
CLARIFY_OPTIONS = 3
NOT_TOPICS = {"nlu_fallback", "report_symptom", "greet", "goodbye", "thank", "bot_challenge", "out_of_scope"}


def _unavailable(dispatcher: CollectingDispatcher) -> None:
    profile = services.profile()
    dispatcher.utter_message(
        text=f"I'm sorry, I can't find that answer right now. {whom_to_call(profile)} "
             f"If this is an emergency, call {profile.emergency_number}."
    )


class ActionAnswerTopic(Action):
    def name(self) -> Text:
        return "action_answer_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        try:
            answer = services.knowledge_base().answer_for_intent(intent)
        except Exception:
            logger.exception("knowledge-base lookup failed")
            answer = None
        if answer is None:
            _unavailable(dispatcher)
            return []
        dispatcher.utter_message(text=answer.text, json_message={"topic": answer.topic, "sources": answer.sources})
        return []


class ActionTriage(Action):
    """The clinic-specific part of a symptom report: whom to call now, and the escalation record."""

    def name(self) -> Text:
        return "action_triage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        entities = tracker.latest_message.get("entities") or []
        level = next((LEVELS_BY_ENTITY[e["entity"]] for e in entities if e["entity"] in LEVELS_BY_ENTITY), None)
        codes = sorted({e["value"] for e in entities if e["entity"] == "symptom"})
        profile = services.profile()
        if level is None:
            mentioned = sorted({e["value"] for e in entities if e["entity"] == "symptom_mentioned"})
            self._no_current_symptom(dispatcher, mentioned)
            return []
        lexicon = services.lexicon()
        labels = [lexicon.by_code(code).label for code in codes]
        advice, advice_meta = None, {}
        if level == "self_care":
            topic = next((lexicon.by_code(c).topic for c in codes if lexicon.by_code(c).topic), None)
            answer = services.knowledge_base().answer_for_topic(topic) if topic else None
            if answer:
                advice, advice_meta = answer.text, {"topic": answer.topic, "sources": answer.sources}
        disposition = decide(level, labels, codes, profile, advice=advice)
        dispatcher.utter_message(text=disposition.text, json_message={**disposition.metadata, **advice_meta})
        if escalations.should_record(level):
            try:
                escalations.record(services.sessions(), tracker.sender_id, level, codes,
                                   tracker.get_latest_input_channel(), disposition.number)
            except Exception:  # the patient's reply never depends on the log
                logger.exception("could not record the escalation")
        return []

    @staticmethod
    def _no_current_symptom(dispatcher: CollectingDispatcher, mentioned: List[str]) -> None:
        """Nothing the patient has now that the lexicon knows: the warning signs, and whom to call."""
        profile = services.profile()
        answer = services.knowledge_base().answer_for_topic("warning_signs")
        if mentioned:
            labels = ", ".join(services.lexicon().by_code(code).label for code in mentioned)
            text = (f"It sounds like you do not have {labels} right now. Here is when to call, in case anything changes. "
                    f"{whom_to_call(profile)}")
        else:
            text = ("I'm not sure how urgent that is, so please talk to your care team. "
                    f"{whom_to_call(profile)}")
        if answer:
            dispatcher.utter_message(text=text)
            dispatcher.utter_message(text=answer.text, json_message={"topic": answer.topic, "sources": answer.sources})
        else:
            dispatcher.utter_message(text=text + f" If this is an emergency, call {profile.emergency_number}.")


class ActionClarify(Action):
    """Low confidence: the likeliest topics as buttons; a second miss in a row gets the clinic's number."""

    def name(self) -> Text:
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        user_turns = [e for e in tracker.events if e.get("event") == "user"]
        previous = user_turns[-2].get("parse_data", {}).get("intent", {}).get("name") if len(user_turns) > 1 else None
        ranking = tracker.latest_message.get("intent_ranking") or []
        candidates = [r["name"] for r in ranking if r.get("name") not in NOT_TOPICS][:CLARIFY_OPTIONS]
        titles = services.knowledge_base().titles_for_intents(candidates) if candidates else {}
        if previous == "nlu_fallback" or not titles:
            profile = services.profile()
            dispatcher.utter_message(
                text=f"I'm sorry, I still don't understand. Please talk to a person. {whom_to_call(profile)} "
                     f"In an emergency, call {profile.emergency_number}.",
                json_message={"handoff": True, "call": profile.number_for_now()},
            )
            return []
        buttons = [{"title": titles[i], "payload": f"/{i}"} for i in candidates if i in titles]
        dispatcher.utter_message(text="I'm not sure I understood. Did you mean one of these?", buttons=buttons)
        return []


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        profile = services.profile()
        number = profile.number_for_now()
        dispatcher.utter_message(
            text=f"To talk to a person: {whom_to_call(profile)} In an emergency, call {profile.emergency_number}.",
            json_message={"handoff": True, "call": number},
        )
        try:
            escalations.record(services.sessions(), tracker.sender_id, escalations.HANDOFF, [],
                               tracker.get_latest_input_channel(), number)
        except Exception:
            logger.exception("could not record the request for a person")
        return []
