"""The spaCy pipeline of the red-flag detector, built from code: blank English, a rule-based sentence
splitter, medspaCy's target matcher (the symptom lexicon) and ConText (negation, hypothetical,
historical, other person). Nothing is downloaded."""
from __future__ import annotations

import medspacy  # noqa: F401  (registers the medspacy_* factories)
import spacy
from medspacy.context import ConTextRule
from medspacy.ner import TargetRule
from spacy.language import Language

from bot.triage import context_scope, regex_matcher
from bot.triage.lexicon import Lexicon


# The span group that holds the matched symptoms. Every match is kept, overlapping ones too: doc.ents would keep
# only the longest of two overlapping matches, whatever its level ("my chest hurts a lot" became "hurts a lot").
TARGETS = "medspacy_spans"

# "Chest pain? No. Short of breath? No.": a survey answered item by item. A bare "no" after an item of a few words
# belongs to the item's sentence, where ConText's "chest pain? no." reads it; not after a question of the writer's
# own ("Should I worry about chest pain? No, ..."), which starts with a question word.
_NO_ANSWERS = {"no", "nope", "nah", "none", "nil", "negative", "n"}
_ASKS = {"is", "are", "am", "do", "does", "did", "can", "could", "should", "would", "will", "what", "how", "why",
         "when", "where", "who", "which", "have", "has", "was", "were", "if", "may", "might", "shall"}
SURVEY_ITEM_TOKENS = 7


@Language.component("survey_answers")
def survey_answers(doc):
    for sentence in list(doc.sents):
        answer = doc[sentence.end] if sentence.end < len(doc) else None
        if answer is None or sentence[-1].text != "?" or answer.lower_ not in _NO_ANSWERS:
            continue
        after = doc[answer.i + 1] if answer.i + 1 < len(doc) else None
        if after is not None and after.text not in (".", ";", "!", ")") and not after.like_num:
            continue  # "no, I have it", "no idea"
        words = [t for t in sentence if not t.is_punct]
        if len(sentence) <= SURVEY_ITEM_TOKENS and words and words[0].lower_ not in _ASKS:
            answer.is_sent_start = False
    return doc


def build_pipeline(lexicon: Lexicon) -> Language:
    regex_matcher.install()
    context_scope.install()
    nlp = spacy.blank("en")
    # spaCy's rule-based sentencizer: PyRuSH logs several lines per message and is not needed here.
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("survey_answers")
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
        [ConTextRule(rule.literal, rule.category, direction=rule.direction, pattern=rule.pattern, max_scope=rule.max_scope)
         for rule in lexicon.context]
    )
    return nlp
