"""Rasa NLU component: the red-flag detector of the design. It runs on every message, last in the
pipeline (after the intent classifier and the fallback).

For symptoms the patient has now it adds one `symptom` entity per red flag (value: its code) and one
entity named after the highest level (`level_emergency`, `level_urgent`, `level_soon`,
`level_self_care`), so that rules condition on the current message only, and `needs_followup`
when the level needs one more fact (bot.triage.followup). From `soon` up it also sets the intent
to `report_symptom` (the classifier's guess stays in the ranking): an affirmed red flag escalates
whatever the classifier thought. With any level it adds the numbers to give (`emergency_number`,
`clinic_number` for this hour), which fill the slots of the emergency response
so that it needs no action server.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.clinic import load_profile
from bot.triage.decision import (SYMPTOM_INTENT, Decision, TriageEngine, build_engine, confident_question,
                                 triage_for)
from bot.triage.timing import days_since_procedure

logger = logging.getLogger(__name__)



def _confident_question(message: Message) -> bool:
    return confident_question(message.get(INTENT))


def _entity(name: str, value: str, extractor: str) -> Dict[str, Any]:
    # Start/end span the whole message: the values are decisions, not substrings.
    return {"entity": name, "value": value, "start": 0, "end": 0, "confidence": 1.0, "extractor": extractor}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class RedFlagDetector(GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "RedFlagDetector":
        return cls(config)

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.profile = load_profile()
        self.engine: TriageEngine = build_engine(triage_for(self.profile))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            try:
                decision = self.engine.decide(text)
            except Exception:  # fail safe: the patient is told whom to call, the message is never lost
                logger.exception("red-flag detection failed; the clinic's number and the emergency advice are given")
                self._fail_safe(message)
                continue
            days = days_since_procedure(text)
            if days is not None:  # kept in a slot: some sources' advice depends on it
                message.set(ENTITIES, message.get(ENTITIES, []) + [_entity("days_since_procedure", str(days), self.name)],
                            add_to_output=True)
            if decision.level:
                self._escalate(message, decision)
            elif decision.unplaced and not _confident_question(message):
                # a symptom neither net can place: the 911 signs are asked first (a question the classifier is sure
                # of, "blood thinners", "can I restart my blood pressure pills", gets its answer instead)
                entities = [_entity("unplaced", "true", self.name)] + self._numbers()
                message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
                self._set_symptom_intent(message)
            elif decision.mentioned:  # asked about, denied or past: information, not triage
                mentioned = [_entity("symptom_mentioned", code, self.name) for code in decision.mentioned]
                mentioned += [_entity("symptom_asked_about", code, self.name) for code in decision.asked_about]
                mentioned += [_entity("symptom_doubted", code, self.name) for code in decision.doubted]
                message.set(ENTITIES, message.get(ENTITIES, []) + mentioned, add_to_output=True)
                if decision.doubted and not _confident_question(message):
                    # the nets disagree on a warning sign: the triage action asks whether the patient has it now
                    self._set_symptom_intent(message)
        return messages

    def _numbers(self) -> List[Dict[str, Any]]:
        return [_entity("emergency_number", self.profile.emergency_number, self.name),
                _entity("clinic_number", self.profile.number_for_now(), self.name)]

    def _fail_safe(self, message: Message) -> None:
        entities = [_entity("triage_failed", "true", self.name)] + self._numbers()
        message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        self._set_symptom_intent(message)

    def _escalate(self, message: Message, decision: Decision) -> None:
        extractor = self.name
        entities = [_entity("symptom", code, extractor) for code in decision.codes]
        entities.append(_entity(f"level_{decision.level}", ",".join(decision.codes), extractor))
        if decision.follow_ups:  # the level needs one more fact: the triage form asks it
            entities.append(_entity("needs_followup", ",".join(decision.follow_ups), extractor))
        if decision.crisis:
            entities.append(_entity("crisis", "true", extractor))
            entities.append(_entity("crisis_line", str(self.profile.setting("crisis_line")), extractor))
        entities += self._numbers()
        # a warning sign the nets disagree on, beside a milder one they agree on: asked about after the reply
        entities += [_entity("symptom_asked_about", code, extractor) for code in decision.asked_about]
        entities += [_entity("symptom_doubted", code, extractor) for code in decision.doubted]
        message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        if decision.level == "self_care":
            return  # expected after the procedure: keep the classifier's intent (the patient may ask more)
        self._set_symptom_intent(message)

    @staticmethod
    def _set_symptom_intent(message: Message) -> None:
        intent: Optional[Dict[str, Any]] = message.get(INTENT)
        if not intent or intent.get("name") != SYMPTOM_INTENT or intent.get("confidence", 0) < 1.0:
            overridden = {"name": SYMPTOM_INTENT, "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != SYMPTOM_INTENT]
            message.set(INTENT, overridden, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [overridden] + ranking, add_to_output=True)
