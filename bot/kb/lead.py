"""An answer of several paragraphs (a chair, then standing up, then bed, then the car) leads with the paragraph the
question asks about: "how do I get out of bed?" read the bed paragraph last (questions 44, "the answer is buried").
Only the order changes: every paragraph stands alone in the knowledge base, and all of them are still said."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import FrozenSet, List

from nltk.stem.snowball import SnowballStemmer

# words that say nothing about which paragraph is asked about
_COMMON = frozenset("""
a an the and or but if of to in on at for with from by as is are was were be been being am do does did doing have has
had can could should would will shall may might must i me my we our you your he she his her they them their it its this
that these those what when where which who whom why how than then so not no yes any some much many more most very just
about after before during into out up down over again also too still now get got go going ok okay please thanks
thank hi hello um uh like kyphoplasty vertebroplasty kypho vertebro procedure procedures op operation surgery
""".split())
_STEM = SnowballStemmer("english")


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    return _STEM.stem(word)


def _asked_words(text: str) -> FrozenSet[str]:
    return frozenset(_stem(w) for w in re.findall(r"[a-z]+", text.lower()) if w not in _COMMON and len(w) > 2)


def lead_with_asked(text: str, question: str) -> str:
    """`text` with the paragraph that shares the most words with `question` first, when it shares more than the
    first paragraph does; otherwise `text` unchanged."""
    paragraphs: List[str] = [p for p in text.split("\n") if p.strip()]
    if len(paragraphs) < 2 or not question:
        return text
    asked = _asked_words(question)
    shared = [len(asked & _asked_words(p)) for p in paragraphs]
    best = max(range(len(paragraphs)), key=lambda i: (shared[i], -i))
    if shared[best] <= shared[0]:
        return text
    return "\n".join([paragraphs[best]] + paragraphs[:best] + paragraphs[best + 1:])
