"""The knowledge base is the one list of question topics: each answer (its `_more` details aside) is an intent
`ask_<topic>` with enough examples in data/nlu/, and every `ask_*` intent of the NLU data is an answer. The
topic importer turns the answers into the intents and rules Rasa trains on."""
from pathlib import Path

import yaml

from bot.kb.loader import question_intents
from bot.rasa.topic_importer import ANSWER_ACTION, KnowledgeBaseTopics

NLU_DIR = Path(__file__).resolve().parents[2] / "data" / "nlu"
NOT_TOPICS = {"ask_more"}  # "tell me more" about the last answer
MIN_EXAMPLES = 12


def nlu_examples():
    counts = {}
    for path in NLU_DIR.glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if "intent" in block:
                lines = [line for line in block["examples"].splitlines() if line.strip().startswith("- ")]
                counts[block["intent"]] = counts.get(block["intent"], 0) + len(lines)
    return counts


def test_every_topic_has_examples():
    counts = nlu_examples()
    thin = {intent: counts.get(intent, 0) for intent in question_intents() if counts.get(intent, 0) < MIN_EXAMPLES}
    assert not thin, f"topics with fewer than {MIN_EXAMPLES} examples in data/nlu/: {thin}"


def test_every_question_intent_is_a_topic():
    asked = {intent for intent in nlu_examples() if intent.startswith("ask_")} - NOT_TOPICS
    assert asked <= set(question_intents()), f"intents with no answer: {sorted(asked - set(question_intents()))}"


def test_the_importer_gives_each_topic_an_intent_and_a_rule():
    importer = KnowledgeBaseTopics()
    domain = importer.get_domain()
    assert set(question_intents()) <= set(domain.intents)
    rules = importer.get_stories().story_steps
    answered = {step.events[1].intent_name: step.events[2].action_name for step in rules}
    assert answered == {intent: ANSWER_ACTION for intent in question_intents()}


def test_the_detail_entries_are_not_intents():
    assert not [intent for intent in question_intents() if intent.endswith("_more")]
