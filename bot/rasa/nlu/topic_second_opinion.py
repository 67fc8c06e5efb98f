"""Rasa NLU component: a second opinion on the intent from the sentence encoder, asked only when the n-gram
classifier is unsure. Patients' own wording ("Success rate", "wegovy", a story before the question) often shares
few words with the examples; the encoder's sentence vectors recognise it by meaning.

It sits after the FallbackClassifier and before the red-flag detector (which stays last and overrules it):
- the n-gram classifier is sure (confidence >= `gate`): nothing changes, and the encoder is not run;
- otherwise the two opinions are averaged, the encoder's with weight `weight`: the likeliest intent wins when its
  averaged confidence is at least `accept`; else the message stays unsure (nlu_fallback), with the averaged ranking,
  so that the clarification buttons offer the likeliest topics;
- a button payload ("/ask_…") is never second-guessed, and if the encoder fails the first opinion stands.

Chosen by 5-fold cross-validation on the NLU examples (2,310, 2026-12-02; intent accuracy): the n-grams alone 0.802;
the encoder deciding alone below a gate of 0.6 (the earlier setting) 0.864; below 0.8, 0.877; the average with weight
0.7 below a gate of 0.8, 0.884. The frozen split of tests/nlu/frozen/ was not used to choose them.

After a story (its questions are at most `story_share` of its words), the encoder is always asked, and reads the
questions alone too (the mean of the two readings).
A message that asks two questions ("How long does it take? And when can I drive?") is one intent to the classifiers.
Each of its questions (bot/text/question_parts.py) is read by the encoder alone; one that asks about another topic,
with a probability of at least `also_accept`, becomes an `also_asked` entity, which the answer action answers after
the first topic (actions/answers.py)."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from bot.text.question_parts import question_parts
from bot.text.sentence_encoder import shared_encoder
from bot.triage.spelling import has_common_english_word

logger = logging.getLogger(__name__)

FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
RANKING_LENGTH = 10
MODEL_FILE = "classifier.joblib"
TOPIC_PREFIX, NOT_A_TOPIC = "ask_", "ask_more"
ALSO_ASKED = "also_asked"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TopicSecondOpinion(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"gate": 0.8, "weight": 0.7, "accept": 0.3, "C": 30.0, "also_accept": 0.5, "story_share": 0.6}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 classifier: Optional[LogisticRegression] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage, self._resource = model_storage, resource
        self.classifier = classifier

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TopicSecondOpinion":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TopicSecondOpinion":
        try:
            with model_storage.read_from(resource) as directory:
                classifier = joblib.load(directory / MODEL_FILE)
            shared_encoder()  # load the weights at start-up, not on a patient's first unsure message
        except Exception:
            logger.exception("the encoder's second opinion is not available; the n-gram classifier decides alone")
            classifier = None
        return cls(config, model_storage, resource, classifier)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(TEXT) and e.get(INTENT)]
        vectors = shared_encoder().encode_all([e.get(TEXT) for e in examples])
        self.classifier = LogisticRegression(C=self.config["C"], class_weight="balanced", max_iter=2000,
                                             random_state=42).fit(vectors, [e.get(INTENT) for e in examples])
        with self._storage.write_to(self._resource) as directory:
            joblib.dump(self.classifier, directory / MODEL_FILE)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if self.classifier is None or not text.strip() or text.startswith("/"):
                continue
            parts = question_parts(text)
            vectors = _Encodings()  # a text the two steps both read is encoded once
            self._second_opinion(message, text, parts, vectors)
            self._add_also_asked(message, parts, vectors)
        return messages

    def _second_opinion(self, message: Message, text: str, parts: List[str], vectors: "_Encodings") -> None:
        first = message.get(INTENT) or {}
        asked = self._question_after_story(text, parts)
        # the n-grams are often sure of a story's wrong topic (a teacher's story "before they happen" went to
        # exam preparation at 0.99): after a story the encoder is always asked
        unsure = first.get("name") == FALLBACK or (first.get("confidence") or 0.0) < self.config["gate"] or asked
        if not unsure:
            return
        try:
            readings = [text] + ([asked] if asked else [])
            probabilities = self.classifier.predict_proba(vectors.of(readings)).mean(axis=0)
        except Exception:
            logger.exception("the encoder's second opinion failed; the first opinion stands")
            return
        first_opinion = {entry["name"]: entry["confidence"] for entry in message.get(INTENT_RANKING_KEY) or []
                         if entry.get("name") != FALLBACK}
        weight = self.config["weight"]
        averaged = {str(name): (1 - weight) * first_opinion.get(str(name), 0.0) + weight * float(p)
                    for name, p in zip(self.classifier.classes_, probabilities)}
        ranking = sorted(({"name": name, "confidence": confidence} for name, confidence in averaged.items()),
                         key=lambda entry: -entry["confidence"])[:RANKING_LENGTH]
        # noise ("zzqx blorp") is not understood rather than out of scope: it keeps the clarification buttons
        noise = ranking[0]["name"] == OUT_OF_SCOPE and not has_common_english_word(text)
        if ranking[0]["confidence"] >= self.config["accept"] and not noise:
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        elif first.get("name") == FALLBACK:
            message.set(INTENT_RANKING_KEY, [first] + ranking[:RANKING_LENGTH - 1], add_to_output=True)

    def _question_after_story(self, text: str, parts: List[str]) -> str:
        """The questions of a message that tells a story first (they are at most `story_share` of its words), else "".
        The encoder then reads them alone too: a long story drowns the question it ends with ("I'm a nervous patient.
        Years ago ... Will I have to be fully asleep for kyphoplasty?")."""
        asked = " ".join(parts)
        return asked if asked and len(asked.split()) <= self.config["story_share"] * len(text.split()) else ""

    def _add_also_asked(self, message: Message, parts: List[str], vectors: "_Encodings") -> None:
        """The likeliest other topic among the message's separate questions, if the encoder is sure enough of it."""
        first = (message.get(INTENT) or {}).get("name") or ""
        if not _is_topic(first) or len(parts) < 2:
            return
        try:
            probabilities = self.classifier.predict_proba(vectors.of(parts))
        except Exception:
            logger.exception("the questions of a two-part message could not be read; the first is answered")
            return
        classes = [str(name) for name in self.classifier.classes_]
        others = [(float(p[i]), classes[i]) for p in probabilities for i in [int(p.argmax())]
                  if classes[i] != first and _is_topic(classes[i])]
        if others and max(others)[0] >= self.config["also_accept"]:
            confidence, topic = max(others)
            also = {"entity": ALSO_ASKED, "value": topic, "start": 0, "end": 0, "confidence": confidence,
                    "extractor": self.__class__.__name__}
            message.set(ENTITIES, message.get(ENTITIES, []) + [also], add_to_output=True)


class _Encodings:
    """The encoder's vectors of one message's texts (the whole, its questions), each text encoded once."""

    def __init__(self) -> None:
        self._done: Dict[str, np.ndarray] = {}

    def of(self, texts: List[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._done))
        if missing:
            self._done.update(zip(missing, shared_encoder().encode_many(missing)))
        return np.stack([self._done[t] for t in texts])


def _is_topic(intent: str) -> bool:
    return intent.startswith(TOPIC_PREFIX) and intent != NOT_A_TOPIC
