"""The knowledge base is the one list of question topics: each answer `<topic>` (its `_more` details aside)
becomes the intent `ask_<topic>`, answered by `action_answer_topic`, with no intent or rule written by hand.
A new topic is a knowledge-base entry plus its examples in data/nlu/ (tests/unit/test_topics_agree.py checks
that the two agree).

config.yml names this importer beside Rasa's own file importer; Rasa merges the domains and rules."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Text

from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.kb.loader import question_intents

ANSWER_ACTION = "action_answer_topic"


class KnowledgeBaseTopics(TrainingDataImporter):
    """Intents and rules for the knowledge base's question topics (data/kb/answers/)."""

    def __init__(self, config_file: Optional[Text] = None, domain_path: Optional[Text] = None,
                 training_data_paths: Optional[List[Text]] = None, kb_dir: Optional[Text] = None) -> None:
        self._intents = question_intents(Path(kb_dir) if kb_dir else None)

    def get_domain(self) -> Domain:
        return Domain.from_dict({"intents": self._intents, "actions": [ANSWER_ACTION]})

    def get_stories(self, exclusion_percentage: Optional[int] = None) -> StoryGraph:
        rules = [{"rule": f"answer {intent}", "steps": [{"intent": intent}, {"action": ANSWER_ACTION}]}
                 for intent in self._intents]
        reader = YAMLStoryReader(self.get_domain(), source_name="data/kb/answers")
        return StoryGraph(reader.read_from_parsed_yaml({"version": "3.1", "rules": rules}))

    def get_conversation_tests(self) -> StoryGraph:
        return StoryGraph([])

    def get_config(self) -> Dict:
        return {}

    def get_config_file_for_auto_config(self) -> Optional[Text]:
        return None

    def get_nlu_data(self, language: Optional[Text] = "en") -> TrainingData:
        return TrainingData()
