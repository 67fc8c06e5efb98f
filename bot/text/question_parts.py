"""The separate questions of a message: "How long does it take? And when can I drive?" or "can I shower and when can
I drive" are two. A story before a question is not a question; a part is one when it ends in "?" or opens with a
question word, so that voice and SMS messages without punctuation count too. A few words listed ("driving, lifting?")
are as many questions."""
from __future__ import annotations

import re
from typing import List

_OPENER = (r"(?:what|what'?s|whats|when|how|can|could|will|would|should|shall|is|are|am|do|does|did|may|who|where|which|"
           r"why|any|anything)")
# a sentence ends at ? . ! or a line break; "?" stays with its sentence
_SENTENCE_END = re.compile(r"(?<=[?!.])\s+|\n+")
# inside a sentence, "and"/"also"/"plus"/"or"/"&" (after an optional comma) when a question word follows it
_FILLER = r"(?:uh+|um+|er+m*|like|so|yeah|ok|okay|oh|well|hi|hello|hey)"
# ("n", "an" in SMS: "shower tmrw ok? n when can i drive", questions 48)
_JOINED_QUESTION = re.compile(rf"\s*(?:,|;)?\s+(?:and also|and|n|an|also|plus|or|&|,)\s+(?:{_FILLER},?\s+)*(?={_OPENER}\b)",
                              re.I)
# a few words listed: "driving, lifting?", "shower? driving?", "stairs / bath" (questions 47 and 48)
_LIST_ITEM_END = re.compile(r"\s*(?:[,/&?]|\band\b)\s*", re.I)
LIST_WORDS = 6
_OPENS_AS_QUESTION = re.compile(rf"^\W*((and|n|an|but|also|plus|{_FILLER}|sorry|one more thing|"
                                rf"another question|quick question|second)\W+)*{_OPENER}\b", re.I)
# a question word inside the first half of a question: "Kyphoplasty versus vertebroplasty: what's the difference,
# and who qualifies for either?" (questions 48)
_ASKS_WITHIN = re.compile(r"[:,]\s*(what|what'?s|whats|when|how|why|where|which|who)\b", re.I)
MIN_WORDS = 2


def question_parts(text: str) -> List[str]:
    """The questions of a message, in order; parts that are not questions (a story, a greeting) are left out."""
    words = (text or "").split()
    if len(words) <= LIST_WORDS and _LIST_ITEM_END.search(text.strip(" ?")):
        items = [item for item in _LIST_ITEM_END.split(text) if item.strip()]
        if len(items) > 1 and all(len(item.split()) <= 2 and not _OPENS_AS_QUESTION.match(item) for item in items):
            return items
    parts = []
    for sentence in _SENTENCE_END.split(text or ""):
        asks = sentence.rstrip().endswith("?")
        for part in _JOINED_QUESTION.split(sentence):
            part = part.strip(" ,;")
            if len(part.split()) >= MIN_WORDS and (part.endswith("?") or _OPENS_AS_QUESTION.match(part)
                                                   or (asks and _ASKS_WITHIN.search(part))):
                parts.append(part)
    return parts
