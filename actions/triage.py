"""The triage actions: a symptom's level and whom to call, the follow-up questions, the screening questions, a
request for a person. Thin rasa_sdk actions: read the tracker, call bot.triage, utter; metadata in `json_message`."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.answers import ask_if_had_now, question_asked_too, utter_answer
from bot import alerts, escalations
from bot.failures import failure
from bot.triage.decision import outcome
from bot.safety_texts import whom_to_call
from bot.triage.disposition import decide
from bot.triage.followup import (EMERGENCY_IF_YES, FOLLOW_UP_FOR, QUESTIONS, UNCLEAR_ANSWERS_ALLOWED, UNKNOWN,
                                 emergency_answered, parse_answer, refine)
from bot.triage.levels import LEVELS, higher_level
from bot.triage.lexicon import RedFlagEntry

UNCLEAR = "fu_unclear"  # the slot: unclear answers so far to the follow-up question asked now
SCREENED = "net"  # a level the screening questions gave: no red flag of the lexicon names it
logger = logging.getLogger(__name__)
LEVELS_BY_ENTITY = {f"level_{level}": level for level in LEVELS}


def _flag(code: str, level: str) -> RedFlagEntry:
    """The lexicon's red flag, or for a level only the learned net gave (code "net"), what the patient described."""
    lexicon = services.lexicon()
    if lexicon.has(code):
        return lexicon.by_code(code)
    return RedFlagEntry(code=code, label="what you describe", level=level, sources=[])


def _remembered(tracker: Tracker) -> Dict[str, str]:
    """Symptoms reported earlier in this conversation, code -> level."""
    pairs = (item.split(":", 1) for item in tracker.get_slot("reported_symptoms") or [] if ":" in item)
    return dict(pairs)


def _sealed_contact(tracker: Tracker) -> Optional[str]:
    """The number to call back on, as the SMS and voice channels sealed it into the message's metadata."""
    metadata = tracker.latest_message.get("metadata") or {}
    sealed = metadata.get("contact") if isinstance(metadata, dict) else None
    return sealed if isinstance(sealed, str) else None


ANSWERED_BESIDE = ("soon", "self_care")  # the levels beside which a question asked too is answered


def triage_reply(dispatcher: CollectingDispatcher, tracker: Tracker, level: str, codes: List[str],
                 question: Optional[str] = None) -> List[Dict]:
    """Tell the patient whom to call now; symptoms told over several turns add up (the highest level wins). A
    `question` intent asked beside a symptom for office hours or self-care is answered first, then whom to call (a
    story that ends in a question is a question: opening on the symptom read as a misunderstanding, questions 43);
    never beside an urgent sign or an emergency, whose instruction stands alone and first."""
    result = outcome(level, codes, _remembered(tracker), lambda code, lvl: _flag(code, lvl).level,
                     tracker.get_slot("days_since_procedure"), services.profile().setting("pain_review_days"))
    overall, all_codes, remembered = result.level, list(result.codes), result.remembered
    labels = [_flag(code, remembered[code]).label for code in all_codes]
    advice, advice_meta = None, {}
    if overall == "self_care":
        topic = next((_flag(c, overall).topic for c in all_codes if _flag(c, overall).topic), None)
        answer = services.knowledge_base().answer_for_topic(topic) if topic else None
        if answer:
            advice, advice_meta = answer.text, {"topic": answer.topic, "sources": answer.sources}
    disposition = decide(overall, labels, all_codes, services.profile(), advice=advice)
    answered = None
    if question and overall in ANSWERED_BESIDE:
        answered = utter_answer(dispatcher, question, tracker.latest_message.get("text") or "")
    dispatcher.utter_message(text=disposition.text, json_message={**disposition.metadata, **advice_meta})
    if escalations.should_record(overall):
        try:
            entry = escalations.record(services.sessions(), tracker.sender_id, overall, all_codes,
                                       tracker.get_latest_input_channel(), disposition.number,
                                       sealed_contact=_sealed_contact(tracker))
            alerts.schedule(services.sessions(), entry)
        except Exception:  # the patient's reply never depends on the log or the alert
            failure("escalation_not_recorded", "a %s escalation could not be recorded or alerted", overall,
                    with_traceback=True)
    return [SlotSet("reported_symptoms", [f"{code}:{lvl}" for code, lvl in sorted(remembered.items())])] \
        + (answered or [])


class ActionTriage(Action):
    """The clinic-specific part of a symptom report: whom to call now, and the escalation record."""

    def name(self) -> Text:
        return "action_triage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        entities = tracker.latest_message.get("entities") or []
        level = next((LEVELS_BY_ENTITY[e["entity"]] for e in entities if e["entity"] in LEVELS_BY_ENTITY), None)
        codes = sorted({e["value"] for e in entities if e["entity"] == "symptom"})
        if level is None:
            mentioned = sorted({e["value"] for e in entities if e["entity"] == "symptom_mentioned"})
            asked = {e["value"] for e in entities if e["entity"] == "symptom_asked_about"}
            self._no_current_symptom(dispatcher, [code for code in mentioned if code not in asked], bool(asked))
            ask_if_had_now(dispatcher, tracker)  # a sign only asked about, or one the nets disagree on
            # a symptom the patient now denies no longer adds up with later ones
            kept = {c: l for c, l in _remembered(tracker).items() if c not in mentioned}
            remembered = [f"{c}:{l}" for c, l in sorted(kept.items())]
            return [SlotSet("reported_symptoms", remembered)] + _questions_left(tracker)
        events = triage_reply(dispatcher, tracker, level, codes, question_asked_too(tracker))
        ask_if_had_now(dispatcher, tracker)
        return events + _questions_left(tracker) + _temperature_told(tracker)

    @staticmethod
    def _no_current_symptom(dispatcher: CollectingDispatcher, mentioned: List[str], asks_next: bool) -> None:
        """Nothing the patient has now that the lexicon knows: the warning signs, and whom to call (or, when a
        question whether the patient has a sign follows, the warning signs alone)."""
        profile = services.profile()
        answer = services.knowledge_base().answer_for_topic("warning_signs")
        if mentioned:
            labels = ", ".join(services.lexicon().by_code(code).label for code in mentioned)
            text = (f"It sounds like you do not have {labels} right now. Here is when to call, in case anything changes. "
                    f"{whom_to_call(profile)}")
        elif asks_next:
            text = ""
        else:
            text = services.safety_sentence("not_sure_how_urgent")
        if answer:
            if text:
                dispatcher.utter_message(text=text)
            dispatcher.utter_message(text=answer.text, json_message={"topic": answer.topic, "sources": answer.sources})
        else:
            dispatcher.utter_message(text=text + " " + services.safety_sentence("if_emergency"))


class ValidateTriageForm(FormValidationAction):
    """Asks only what the report needs; an unclear answer is asked again, "I don't know" is accepted."""

    def name(self) -> Text:
        return "validate_triage_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[Text]:
        families = (tracker.get_slot("followup_families") or "").split(",")
        if emergency_answered({slot: tracker.get_slot(slot) for slot in EMERGENCY_IF_YES}):
            return []  # an emergency is never delayed by another question: the level is given now
        return [slot for family in QUESTIONS if family in families for slot in QUESTIONS[family]]


def _questions_left(tracker: Tracker) -> List[Dict]:
    """The follow-up questions were left (an emergency, a person): their count of unclear answers goes too."""
    return [SlotSet(UNCLEAR, None)] if tracker.get_slot(UNCLEAR) else []


def _temperature_told(tracker: Tracker) -> List[Dict]:
    """ "It's 101.5" to "What is your temperature now?" is a fever report too, so the rules answer it with the level;
    it also answers the question, which is not asked again: when it was the last one, the questions end here."""
    if tracker.active_loop.get("name") != "triage_form" or tracker.get_slot("requested_slot") != "fu_temperature":
        return []
    answer = parse_answer("fu_temperature", tracker.latest_message.get("text") or "")
    if answer is None:
        return []
    families = (tracker.get_slot("followup_families") or "").split(",")
    others = [slot for family in QUESTIONS if family in families for slot in QUESTIONS[family]
              if slot != "fu_temperature" and tracker.get_slot(slot) is None]
    if others:
        return [SlotSet("fu_temperature", answer)]
    return [SlotSet("fu_temperature", None), SlotSet("followup_families", None), SlotSet("triage_symptoms", None),
            SlotSet("requested_slot", None), ActiveLoop(None)]


def _answer_validator(slot: str):
    async def validate(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> Dict[Text, Any]:
        answer = parse_answer(slot, value if isinstance(value, str) else "")
        if answer is not None:
            return {slot: answer, UNCLEAR: None}
        unclear = int(tracker.get_slot(UNCLEAR) or 0) + 1
        if unclear >= UNCLEAR_ANSWERS_ALLOWED:
            dispatcher.utter_message(response="utter_followup_assumed")
            return {slot: UNKNOWN, UNCLEAR: None}
        dispatcher.utter_message(response="utter_followup_unclear")
        return {slot: None, UNCLEAR: unclear}

    return validate


for _slot in (slot for slots in QUESTIONS.values() for slot in slots):
    setattr(ValidateTriageForm, f"validate_{_slot}", _answer_validator(_slot))


class ActionTriageFollowup(Action):
    """The level once the follow-up questions are answered; then the questions are reset."""

    def name(self) -> Text:
        return "action_triage_followup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        families = [f for f in (tracker.get_slot("followup_families") or "").split(",") if f]
        codes = list(tracker.get_slot("triage_symptoms") or [])
        asked = {"fever"} if "temperature" in families else set()
        others = [c for c in codes if c not in FOLLOW_UP_FOR and c not in asked]
        other_level = None
        for code in others:
            other_level = higher_level(other_level, _flag(code, "urgent").level)
        answers = {slot: tracker.get_slot(slot) for slots in QUESTIONS.values() for slot in slots}
        refined = refine(families, answers, other_level, others, services.profile().setting("fever_threshold_f"))
        events = triage_reply(dispatcher, tracker, refined.level, list(refined.codes))
        resets = [SlotSet(slot, None) for slot in answers] + [SlotSet("followup_families", None),
                                                              SlotSet("triage_symptoms", None),
                                                              SlotSet(UNCLEAR, None)]
        return events + resets


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        profile = services.profile()
        number = profile.number_for_now()
        dispatcher.utter_message(
            text=services.safety_sentence("handoff"),
            json_message={"handoff": True, "call": number},
        )
        try:
            escalations.record(services.sessions(), tracker.sender_id, escalations.HANDOFF, [],
                               tracker.get_latest_input_channel(), number, sealed_contact=_sealed_contact(tracker))
        except Exception:
            logger.exception("could not record the request for a person")
        return _questions_left(tracker)


class ActionScreeningResult(Action):
    """The answer to the screening questions asked when a symptom could not be placed: yes to the 911 signs is an
    emergency (its response came first, from the rules), yes to the urgent signs is urgent, no to both is soon."""

    def name(self) -> Text:
        return "action_screening_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        asked = next((e.get("name") for e in reversed(tracker.events) if e.get("event") == "action"
                      and e.get("name") in ("utter_screen_emergency", "utter_screen_urgent")), None)
        said_yes = (tracker.latest_message.get("intent") or {}).get("name") == "affirm"
        if asked == "utter_screen_emergency":
            level = "emergency"
        else:
            level = "urgent" if said_yes else "soon"
        return triage_reply(dispatcher, tracker, level, [SCREENED]) + _questions_left(tracker)
