"""medspaCy 1.3.1 limits a ConText modifier's scope by its neighbours (a TERMINATE, or a modifier of the same
category) only when their scopes overlap, and its overlap test (`medspacy.util.tuple_overlaps`) misses a scope
that lies wholly inside the other's. Once a first "no" has narrowed the scope of a second one, the TERMINATE
between them no longer applies: "chest pain no, short of breath YES, breathing really fast, coughing no" denied
the breathing (lookalikes k). `install()` swaps in the same method with a true overlap test."""
from __future__ import annotations

from typing import Tuple

import medspacy
from medspacy.context.context_modifier import ConTextModifier

WRITTEN_FOR = "1.3.1"


def overlaps(a: Tuple[int, int], b: Tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _limit_scope(self: ConTextModifier, other: ConTextModifier) -> bool:
    # medspaCy's ConTextModifier.limit_scope, with `overlaps` for `tuple_overlaps`
    if not overlaps(self.scope_span, other.scope_span):
        return False
    if self.direction.upper() == "TERMINATE":
        return False
    if (other.direction.upper() != "TERMINATE" and other.category.upper() not in self.rule.terminated_by
            and other.category.upper() != self.category.upper()):
        return False
    if self.category == other.category and (self.allowed_types != other.allowed_types
                                            or self.excluded_types != other.excluded_types):
        return False
    original = self.scope_span
    if self.direction.lower() in ("forward", "bidirectional") and other > self:
        self._scope_end = min(self._scope_end, other.modifier_span[0])
    if self.direction.lower() in ("backward", "bidirectional") and other < self:
        self._scope_start = max(self._scope_start, other.modifier_span[1])
    return original != self.scope_span


stock_limit_scope = ConTextModifier.limit_scope


def install() -> None:
    """With the medspaCy version it was written against only; with any other, medspaCy's own method stays."""
    if getattr(medspacy, "__version__", None) == WRITTEN_FOR:
        ConTextModifier.limit_scope = _limit_scope
