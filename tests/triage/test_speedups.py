"""The two speed-ups of the red-flag path change nothing it finds: medspaCy's regular expressions read the text once
(bot/triage/regex_matcher.py), and the net's weights are stored column-major (bot/triage/net.py)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

CASES = yaml.safe_load((Path(__file__).resolve().parents[2] / "data" / "triage" / "cases.yml")
                       .read_text(encoding="utf-8"))["cases"]
TEXTS = [c["text"] for c in CASES[::3]]


def _everything_found(triage):
    found = []
    for text in TEXTS:
        doc = triage.nlp(text.lower())
        found.append(sorted((s.label_, s.start, s.end, tuple(sorted(m.category for m in s._.modifiers)))
                            for s in doc.spans["medspacy_spans"]))
    return found


def test_the_faster_regex_loop_finds_what_medspacys_own_loop_finds(triage):
    from medspacy.common.regex_matcher import RegexMatcher

    from bot.triage import regex_matcher

    assert RegexMatcher.__call__ is regex_matcher._matches  # installed with the pinned medspaCy
    fast = _everything_found(triage)
    RegexMatcher.__call__ = regex_matcher.stock_call
    try:
        stock = _everything_found(triage)
    finally:
        regex_matcher.install()
    assert fast == stock
    assert sum(map(len, fast)) > len(TEXTS) // 2  # the comparison saw findings, modifiers among them
    assert any(modifiers for spans in fast for *_, modifiers in spans)


def test_column_major_weights_give_the_same_probabilities(engine):
    net = engine.net
    assert net.levels.coef_.flags.f_contiguous and net.codes.coef_.flags.f_contiguous
    matrix = net.features.transform([t.lower() for t in TEXTS])
    column_major = net.levels.predict_proba(matrix)
    kept = net.levels.coef_
    net.levels.coef_ = np.ascontiguousarray(kept)
    try:
        row_major = net.levels.predict_proba(matrix)
    finally:
        net.levels.coef_ = kept
    assert np.allclose(column_major, row_major, rtol=0, atol=1e-12)
