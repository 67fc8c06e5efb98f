"""The separate questions of a message: "How long does it take? And when can I drive?" or "can I shower and when can
I drive" are two. A story before a question is not a question; a part is one when it ends in "?" or opens with a
question word, so that voice and SMS messages without punctuation count too."""
from __future__ import annotations

import re
from typing import List

_OPENER = (r"(?:what|what'?s|whats|when|how|can|could|will|would|should|shall|is|are|am|do|does|did|may|who|where|which|"
           r"why|any|anything)")
# a sentence ends at ? . ! or a line break; "?" stays with its sentence
_SENTENCE_END = re.compile(r"(?<=[?!.])\s+|\n+")
# inside a sentence, "and"/"also"/"plus"/"or"/"&" (after an optional comma) when a question word follows it
_FILLER = r"(?:uh+|um+|er+m*|like|so|yeah|ok|okay|oh|well|hi|hello|hey)"
_JOINED_QUESTION = re.compile(rf"\s*(?:,|;)?\s+(?:and also|and|also|plus|or|&|,)\s+(?:{_FILLER},?\s+)*(?={_OPENER}\b)", re.I)
_OPENS_AS_QUESTION = re.compile(rf"^\W*((and|but|also|plus|{_FILLER}|sorry|one more thing|"
                                rf"another question|quick question|second)\W+)*{_OPENER}\b", re.I)
MIN_WORDS = 2


def question_parts(text: str) -> List[str]:
    """The questions of a message, in order; parts that are not questions (a story, a greeting) are left out."""
    parts = []
    for sentence in _SENTENCE_END.split(text or ""):
        for part in _JOINED_QUESTION.split(sentence):
            part = part.strip(" ,;")
            if len(part.split()) >= MIN_WORDS and (part.endswith("?") or _OPENS_AS_QUESTION.match(part)):
                parts.append(part)
    return parts
