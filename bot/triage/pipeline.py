"""The spaCy pipeline of the red-flag detector, built from code: blank English, a rule-based sentence
splitter, medspaCy's target matcher (the symptom lexicon) and ConText (negation, hypothetical,
historical, other person). Nothing is downloaded."""
from __future__ import annotations

import medspacy  # noqa: F401  (registers the medspacy_* factories)
import spacy
from medspacy.context import ConTextRule
from medspacy.ner import TargetRule
from spacy.language import Language

from bot.triage import regex_matcher
from bot.triage.lexicon import Lexicon


# The span group that holds the matched symptoms. Every match is kept, overlapping ones too: doc.ents would keep
# only the longest of two overlapping matches, whatever its level ("my chest hurts a lot" became "hurts a lot").
TARGETS = "medspacy_spans"


def build_pipeline(lexicon: Lexicon) -> Language:
    regex_matcher.install()
    nlp = spacy.blank("en")
    # spaCy's rule-based sentencizer: PyRuSH logs several lines per message and is not needed here.
    nlp.add_pipe("sentencizer")
    matcher = nlp.add_pipe(
        "medspacy_target_matcher", config={"result_type": "group", "span_group_name": TARGETS, "prune": False}
    )
    rules = []
    for flag in lexicon.red_flags:
        rules += [TargetRule(phrase, flag.code) for phrase in flag.phrases]
        rules += [TargetRule(pattern, flag.code, pattern=pattern) for pattern in flag.patterns]
    matcher.add(rules)
    # Scope = the sentence (no "max_scope"): medspaCy's token window crosses sentence boundaries, and with
    # it TERMINATE ("but") fails whenever the terminator's window contains the modifier's scope.
    context = nlp.add_pipe(
        "medspacy_context",
        config={"rules": None, "prune_on_target_overlap": True, "input_span_type": "group", "span_group_name": TARGETS},
    )
    context.add(
        [ConTextRule(rule.literal, rule.category, direction=rule.direction, pattern=rule.pattern)
         for rule in lexicon.context]
    )
    return nlp
