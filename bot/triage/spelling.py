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

from bot.config import var_dir

# Log-probability of a word in spaCy's English lexeme table above which it counts as a real word and is left
# alone: below it sit rare words and common misspellings ("blader", "siezure", "confuzed").
COMMON_WORD_LOGPROB = -15.5
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def has_common_english_word(text: str) -> bool:
    """Whether any word of the text is a common English word ("zzqx blorp" has none)."""
    return any(word in _common_english() for word in _WORD.findall((text or "").lower()))


@lru_cache(maxsize=1)
def _common_english() -> frozenset:
    """The ~70,000 common words of the table, kept in var/ once read: reading the whole table of a million words
    costs a process over 100 MB that it does not give back."""
    cache = var_dir() / f"common_english_{str(COMMON_WORD_LOGPROB).replace('-', 'm')}.txt"
    if cache.exists():
        return frozenset(cache.read_text(encoding="utf-8").split())
    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        words = frozenset(word for word, logprob in json.load(handle).items()
                          if logprob >= COMMON_WORD_LOGPROB and not any(c.isspace() for c in word))
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text("\n".join(sorted(words)), encoding="utf-8")
    except OSError:
        pass  # read again next time
    return words


# A word of the patients' messages in the training data is a word of the vocabulary when it is in more than one of
# them: a typo written once ("chset pain", batch 41) must not become a word the speller leaves alone.
SEEN_IN_MESSAGES = 2


class SpellingCorrector:
    def __init__(self, messages: Iterable[str], lexicon: Iterable[str] = ()) -> None:
        """`messages`: the training messages; `lexicon`: the lexicon's phrases, each of whose words is known."""
        counts: dict = {}
        for text in messages:
            for token in set(_WORD.findall(text.lower())):
                if len(token) >= 3:
                    counts[token] = counts.get(token, 0) + 1
        counts = {token: count for token, count in counts.items() if count >= SEEN_IN_MESSAGES}
        for phrase in lexicon:
            for token in _WORD.findall(phrase.lower()):
                if len(token) >= 3:
                    counts[token] = counts.get(token, 0) + 1
        self.vocabulary: Set[str] = set(counts)
        self.english = _common_english()
        self.speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for token, count in counts.items():
            self.speller.create_dictionary_entry(token, count)

    def is_common_english(self, token: str) -> bool:
        return token in self.english

    def _known(self, token: str) -> bool:
        return token in self.vocabulary or token in self.english

    def _fix(self, token: str) -> str:
        if len(token) < 3 or "'" in token or self._known(token):
            return token
        # words run together, each spelt right ("canthe cement get into my lungs" is "can the", not "cant": questions
        # 41): the split wins over the nearest word when every part is a word of the triage vocabulary
        if len(token) >= 6:
            split = self.speller.word_segmentation(token, max_edit_distance=0)
            parts = split.corrected_string.split()
            if len(parts) > 1 and all(part in self.vocabulary for part in parts):
                return " ".join(parts)
        distance = 1 if len(token) <= 5 else 2
        nearest = self.speller.lookup(token, Verbosity.CLOSEST, max_edit_distance=distance)  # most frequent first
        # of the equally near words, one that keeps the typo's first and last letters, which writers seldom get
        # wrong: "phone numbr" is "number", not the commoner "numb" (questions 50)
        kept_ends = [s for s in nearest if s.term[0] == token[0] and s.term[-1] == token[-1]]
        return (kept_ends or nearest)[0].term if nearest else token

    def correct(self, text: str) -> str:
        """The text lower-cased, with each unknown word replaced by its nearest triage word (if any)."""
        return _WORD.sub(lambda match: self._fix(match.group(0)), text.lower())
