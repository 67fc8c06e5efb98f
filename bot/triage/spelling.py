"""Typo tolerance for the red-flag words: a word that is neither common English nor in the triage vocabulary is
corrected to the nearest triage word (symspellpy), and words run together are split ("chestpain")."""
from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Set

import spacy_lookups_data
from symspellpy import SymSpell, Verbosity

# Log-probability of a word in spaCy's English lexeme table above which it counts as a real word and is left
# alone: below it sit rare words and common misspellings ("blader", "siezure", "confuzed").
COMMON_WORD_LOGPROB = -15.5
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


@lru_cache(maxsize=1)
def _english_logprob() -> dict:
    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


class SpellingCorrector:
    def __init__(self, vocabulary: Iterable[str]) -> None:
        counts: dict = {}
        for word in vocabulary:
            for token in _WORD.findall(word.lower()):
                if len(token) >= 3:
                    counts[token] = counts.get(token, 0) + 1
        self.vocabulary: Set[str] = set(counts)
        self.english = _english_logprob()
        self.speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for token, count in counts.items():
            self.speller.create_dictionary_entry(token, count)

    def is_common_english(self, token: str) -> bool:
        return self.english.get(token, -100.0) >= COMMON_WORD_LOGPROB

    def _known(self, token: str) -> bool:
        return token in self.vocabulary or self.english.get(token, -100.0) >= COMMON_WORD_LOGPROB

    def _fix(self, token: str) -> str:
        if len(token) < 3 or "'" in token or self._known(token):
            return token
        distance = 1 if len(token) <= 5 else 2
        suggestions = self.speller.lookup(token, Verbosity.TOP, max_edit_distance=distance)
        if suggestions:
            return suggestions[0].term
        if len(token) >= 7:  # words run together: keep the split only if every part is a triage word
            split = self.speller.word_segmentation(token, max_edit_distance=0)
            parts = split.corrected_string.split()
            if len(parts) > 1 and all(part in self.vocabulary for part in parts):
                return " ".join(parts)
        return token

    def correct(self, text: str) -> str:
        """The text lower-cased, with each unknown word replaced by its nearest triage word (if any)."""
        return _WORD.sub(lambda match: self._fix(match.group(0)), text.lower())
