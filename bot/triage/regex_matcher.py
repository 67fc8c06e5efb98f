"""medspaCy's RegexMatcher (1.3.1) asks the doc for its text once per regular expression: with the lexicon's and
ConText's hundreds of patterns, rebuilding `doc.text_with_ws` cost a fifth of the red-flag path (cProfile,
2026-12-02). `install()` swaps in the same loop with the text read once; the matches are the same (tested)."""
from __future__ import annotations

from typing import List, Tuple

import medspacy
from medspacy.common.regex_matcher import RegexMatcher
from medspacy.common.util import get_token_for_char
from spacy.tokens import Doc

WRITTEN_FOR = "1.3.1"


def _matches(self: RegexMatcher, doc: Doc) -> List[Tuple[int, int, int]]:
    matches = []
    text = doc.text_with_ws  # once, not once per pattern
    for match_id, patterns in self._patterns.items():
        on_match = self._callbacks[match_id]
        for pattern in patterns:
            for re_match in pattern.finditer(text):
                span = doc.char_span(re_match.start(), re_match.end())
                if span is None:
                    start = get_token_for_char(doc, re_match.start(), resolve=self.resolve_start)
                    end = get_token_for_char(doc, re_match.end(), resolve=self.resolve_end)
                    span = doc[start.i: len(doc) if end is None else end.i]
                if len(span):  # a span that resolves to no token is no match
                    matches.append((match_id, span.start, span.end))
                if on_match is not None:
                    on_match(self, doc, len(matches) - 1, matches)
    return matches


stock_call = RegexMatcher.__call__  # medspaCy's own loop, kept for the test that both find the same


def install() -> None:
    """Uses the faster loop with the medspaCy version it was copied from; with any other, keeps medspaCy's own."""
    if getattr(medspacy, "__version__", None) == WRITTEN_FOR:
        RegexMatcher.__call__ = _matches
