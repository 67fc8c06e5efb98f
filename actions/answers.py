"""The answering actions: a topic from the knowledge base, its detail, the clarification buttons. Thin rasa_sdk
actions: read the tracker, call bot.*, utter; the reply metadata goes in `json_message`."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from bot import escalations, unanswered
from bot.failures import failure
from bot.safety_texts import whom_to_call
from bot.kb import own_details
from bot.kb.lead import lead_with_asked
from bot.kb.loader import DETAIL_SUFFIX
from bot.triage.decision import QUESTION, SYMPTOM_INTENT, confident_question
from bot.triage.levels import rank

MORE_TITLE = "Tell me more"
logger = logging.getLogger(__name__)
CLARIFY_OPTIONS = 3
ASKED_IF_HAD_NOW = ("emergency", "urgent")  # the warning signs a question about them is followed by "do you have it?"
# offered after the likeliest topics when the classifier has fewer than three (gibberish, small talk)
GENERAL_TOPICS = ["ask_warning_signs", "ask_what_kyphoplasty", "ask_clinic_contact"]


def _unavailable(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(text=services.safety_sentence("answer_unavailable"))


class ActionAnswerTopic(Action):
    def name(self) -> Text:
        return "action_answer_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        question = tracker.latest_message.get("text") or ""
        events = utter_answer(dispatcher, intent, question=question)
        if events is None:
            _unavailable(dispatcher)
            return []
        second = also_asked(tracker)
        if second and second != intent:  # "…? And when can I drive?": the second topic too, without its own extras
            utter_answer(dispatcher, second, question=question, with_extras=False)
        ask_if_had_now(dispatcher, tracker)
        return events


def also_asked(tracker: Tracker) -> Optional[str]:
    """The topic of a second question in the message (set by bot.rasa.nlu.topic_second_opinion), if any."""
    return next((e.get("value") for e in tracker.latest_message.get("entities") or []
                 if e.get("entity") == "also_asked"), None)


def utter_answer(dispatcher: CollectingDispatcher, intent: str, question: str = "",
                 with_extras: bool = True) -> Optional[List[Dict]]:
    """The knowledge base's answer to a question intent, with "Tell me more" when it has detail; None if none.
    A condition, medicine or activity the question names and the answer does not gets a sentence on who decides it.
    Without extras (a second answer in one reply) neither: the first answer's "Tell me more" and sentences stand."""
    try:
        answer = services.knowledge_base().answer_for_intent(intent)
    except Exception:
        logger.exception("knowledge-base lookup failed")
        answer = None
    if answer is None:
        return None
    detail = _detail_of(answer.topic) if with_extras else None
    buttons = [{"title": MORE_TITLE, "payload": "/ask_more"}] if detail else []
    text, sources = lead_with_asked(answer.text, question), list(answer.sources)
    sentences = _own_details(question, answer.text) if with_extras else []
    if sentences:
        text = "\n\n".join([text] + [s.text for s in sentences])
        cited = {s["id"] for s in sources}
        extra = [i for sentence in sentences for i in sentence.sources if i not in cited]
        sources += services.knowledge_base().sources(list(dict.fromkeys(extra)))
    dispatcher.utter_message(text=text, buttons=buttons,
                             json_message={"topic": answer.topic, "sources": sources,
                                           "reviewed": _reviewed(answer.topic)})
    return [SlotSet("last_topic", answer.topic if detail else None)]


def _own_details(question: str, answer_text: str):
    try:
        return own_details.detail_sentences(question, answer_text, services.profile().placeholders())
    except Exception:  # the answer still goes out without it
        logger.exception("own-detail sentence failed")
        return []


def question_asked_too(tracker: Tracker) -> Optional[str]:
    """The question intent the classifier was sure of, in a message that asks something beside the symptom it
    reports ("the pain is not much better after 6 weeks. Can I still have the procedure?"); None otherwise."""
    text = tracker.latest_message.get("text") or ""
    if not QUESTION.search(text.strip()):
        return None
    ranking = [r for r in tracker.latest_message.get("intent_ranking") or [] if r.get("name") != SYMPTOM_INTENT]
    best = ranking[0] if ranking else None
    return best["name"] if confident_question(best) else None


def ask_if_had_now(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """A question about a warning sign is answered, then the patient is asked whether they have it now, with what to
    do if so. The "Yes" button sends the patient's words for the sign ("Yes, I have new numbness or tingling now"),
    triaged like any message; a typed "yes" has the instruction in front of it already."""
    lexicon = services.lexicon()
    codes = sorted({e["value"] for e in tracker.latest_message.get("entities") or []
                    if e.get("entity") == "symptom_asked_about"})
    flags = [lexicon.by_code(code) for code in codes if lexicon.has(code)]
    flags = [flag for flag in flags if flag.level in ASKED_IF_HAD_NOW]
    if not flags:
        return
    flag = max(flags, key=lambda f: rank(f.level))  # one question: the most urgent sign asked about
    what_to_do = services.safety_sentence(f"if_you_have_it_{flag.level}")
    dispatcher.utter_message(text=f"Do you have {flag.label} now? {what_to_do}",
                             buttons=[{"title": "Yes", "payload": flag.yes_now}, {"title": "No", "payload": "No"}],
                             json_message={"asked_if_had_now": flag.code})  # for the metrics: how often it is asked
    _record_doubt(tracker)


def _record_doubt(tracker: Tracker) -> None:
    """A sign the net doubted goes into the escalation log (no alert, no text), for the clinic to review the doubt."""
    doubted = sorted({e["value"] for e in tracker.latest_message.get("entities") or []
                      if e.get("entity") == "symptom_doubted"})
    if not doubted:
        return
    try:
        escalations.record(services.sessions(), tracker.sender_id, escalations.DOUBTED, doubted,
                           tracker.get_latest_input_channel(), None)
    except Exception:  # the patient's reply never depends on the log
        failure("escalation_not_recorded", "a doubted warning sign could not be recorded", with_traceback=True)


def _detail_of(topic: str):
    """The detail behind a short answer: the knowledge base's `<topic>_more` entry, if it has one."""
    try:
        return services.knowledge_base().answer_for_topic(f"{topic}{DETAIL_SUFFIX}")
    except Exception:
        logger.exception("knowledge-base lookup failed")
        return None


class ActionAnswerMore(Action):
    """ "More": the detail behind the answer just given (answers lead with the clinic's one rule, clinical review
    item 13); with no answer before, whom to call."""

    def name(self) -> Text:
        return "action_answer_more"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        topic = tracker.get_slot("last_topic")
        detail = _detail_of(topic) if topic else None
        if detail is None:
            profile = services.profile()
            dispatcher.utter_message(text=f"I have nothing more on that. You can ask me another question, or talk to "
                                          f"a person: {whom_to_call(profile)}")
            return []
        dispatcher.utter_message(text=detail.text, json_message={"topic": detail.topic, "sources": detail.sources,
                                                                 "reviewed": _reviewed(detail.topic)})
        return [SlotSet("last_topic", None)]


def _reviewed(topic: str) -> bool:
    """Whether a clinician signed off this answer as it is now; unknown counts as not."""
    try:
        return f"answer:{topic}" in services.signed_off()
    except Exception:
        logger.exception("could not read the sign-off state")
        return False


class ActionClarify(Action):
    """Low confidence: the likeliest topics as buttons; a second miss in a row gets the clinic's number."""

    def name(self) -> Text:
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        user_turns = [e for e in tracker.events if e.get("event") == "user"]
        previous = user_turns[-2].get("parse_data", {}).get("intent", {}).get("name") if len(user_turns) > 1 else None
        ranking = tracker.latest_message.get("intent_ranking") or []
        ranked = [r["name"] for r in ranking if r.get("name")]
        titles = services.knowledge_base().titles_for_intents(ranked + GENERAL_TOPICS)
        likeliest = [name for name in ranked if name in titles]  # knowledge-base topics only
        candidates = list(dict.fromkeys(likeliest + GENERAL_TOPICS))[:CLARIFY_OPTIONS]
        gave_up = previous == "nlu_fallback" or not titles
        try:  # what the clinic may add to the knowledge base: the guesses, never the words
            unanswered.record(services.sessions(), unanswered.GAVE_UP if gave_up else unanswered.OFFERED_TOPICS,
                              ranking, tracker.get_latest_input_channel())
        except Exception:
            logger.exception("could not record an unanswered question")
        if gave_up:
            profile = services.profile()
            dispatcher.utter_message(
                text=services.safety_sentence("still_not_understood"),
                json_message={"handoff": True, "call": profile.number_for_now()},
            )
            return []
        buttons = [{"title": titles[i], "payload": f"/{i}"} for i in candidates if i in titles]
        dispatcher.utter_message(text="I'm not sure I understood. Did you mean one of these?", buttons=buttons)
        return []
