"""Follow-up questions for a symptom report that needs one more fact, and the level the answers give.
An answer is "yes", "no" or "unknown"; "unknown" counts as the safer answer."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from bot.triage.levels import higher_level
from bot.triage.temperature import find_temperature_f

# Which facts each kind of report needs, in the order they are asked (slots of the triage form).
QUESTIONS: Dict[str, List[str]] = {
    "temperature": ["fu_temperature"],
    # the 911 signs first: an arm, a leg or one side of the face weak or numb, or speech (clinical review, item 2)
    "numbness": ["fu_numb_one_side", "fu_numb_new", "fu_numb_both_legs", "fu_numb_worse", "fu_bladder_bowel"],
    "wound": ["fu_wound_spreading", "fu_wound_pus", "fu_wound_fever"],
    "pain": ["fu_pain_worse", "fu_pain_not_relieved", "fu_pain_sudden_new_place"],
}
# The code of a finding that needs a follow-up, and which follow-up.
FOLLOW_UP_FOR = {"new_numbness": "numbness", "wound_concern": "wound", "back_pain": "pain"}
UNKNOWN = "unknown"
# Answers that make it an emergency: once one is yes (or "I don't know", the safer answer), no more questions.
EMERGENCY_IF_YES = ("fu_numb_one_side", "fu_numb_both_legs", "fu_numb_worse", "fu_bladder_bowel")
# After this many unclear answers to one question, it counts as "I don't know" (the safer answer) and the
# next question comes: a patient who cannot or will not answer is never held in the questions.
UNCLEAR_ANSWERS_ALLOWED = 2

_UNKNOWN = re.compile(r"\b(don'?t|do not|dont|not) (know|sure|remember)\b|\bno idea\b|\bdunno\b|\bidk\b|\bnot sure\b|"
                      r"\bcan'?t (tell|say|check)\b|\bno (thermometer|way to check)\b|\bskip\b", re.I)
_NO = re.compile(r"^\W*(no|nope|nah|not really|not at all|none|neither|n)\b|\b(it'?s not|it is not|isn'?t|hasn'?t|"
                 r"haven'?t|didn'?t|doesn'?t|no change|only one|just one|one leg|one side)\b", re.I)
_YES = re.compile(r"^\W*(yes|yeah|yep|yup|y|sure|correct|right|i think so|it is|it does|it did|definitely|a bit|"
                  r"a little|both|kind of|sort of|maybe)\b|\b(yes|yeah|both legs|both sides|getting worse|worse)\b", re.I)


def parse_answer(slot: str, text: str) -> Optional[str]:
    """The answer to one question, or None when it is unclear (the question is asked again)."""
    text = (text or "").strip()
    if slot == "fu_temperature":
        temperature = find_temperature_f(text, asked=True)
        if temperature is not None:
            return f"{temperature:g}"
        return UNKNOWN if _UNKNOWN.search(text) else None
    if _UNKNOWN.search(text):
        return UNKNOWN
    if _NO.search(text):
        return "no"
    if _YES.search(text):
        return "yes"
    return None


def emergency_answered(answers: Dict[str, Optional[str]]) -> bool:
    return any(_affirmed(answers.get(slot)) for slot in EMERGENCY_IF_YES)


def families_for(codes: List[str], temperature_missing: bool) -> List[str]:
    families = [FOLLOW_UP_FOR[code] for code in codes if code in FOLLOW_UP_FOR]
    if temperature_missing:
        families.append("temperature")
    return [f for f in QUESTIONS if f in families]  # stable order, no repeats


@dataclass(frozen=True)
class Refined:
    level: str
    codes: Tuple[str, ...]


def _affirmed(value: Optional[str]) -> bool:
    return value in ("yes", UNKNOWN)


def refine(families: List[str], answers: Dict[str, Optional[str]], other_level: Optional[str],
           other_codes: List[str], fever_threshold_f: float) -> Refined:
    """The level once the answers are in. `other_level` / `other_codes`: what the report said that
    needed no follow-up (it still counts: the highest level wins)."""
    level, codes = other_level, set(other_codes)
    if "temperature" in families:
        value = answers.get("fu_temperature")
        below = value not in (None, UNKNOWN) and float(value) < fever_threshold_f
        level = higher_level(level, "soon" if below else "urgent")
        codes.add("fever")
    if "numbness" in families:
        if _affirmed(answers.get("fu_numb_one_side")):
            level = higher_level(level, "emergency")
            codes.add("stroke_signs")
        if _affirmed(answers.get("fu_bladder_bowel")):
            level = higher_level(level, "emergency")
            codes.add("bladder_bowel")
        if _affirmed(answers.get("fu_numb_both_legs")) or _affirmed(answers.get("fu_numb_worse")):
            level = higher_level(level, "emergency")
            codes.add("leg_weakness")
        level = higher_level(level, "urgent" if _affirmed(answers.get("fu_numb_new")) else "soon")
        codes.add("new_numbness")
    if "wound" in families:
        if any(_affirmed(answers.get(s)) for s in ("fu_wound_spreading", "fu_wound_pus", "fu_wound_fever")):
            level = higher_level(level, "urgent")
            codes.add("wound_infection")
        else:
            level = higher_level(level, "soon")
            codes.add("wound_concern")
        if _affirmed(answers.get("fu_wound_fever")):
            codes.add("fever")
    if "pain" in families:
        if _affirmed(answers.get("fu_pain_sudden_new_place")):
            level = higher_level(level, "urgent")
            codes.add("possible_new_fracture")
        if _affirmed(answers.get("fu_pain_worse")) or _affirmed(answers.get("fu_pain_not_relieved")):
            level = higher_level(level, "urgent")
            codes.add("severe_pain")
        if not {"possible_new_fracture", "severe_pain"} & codes:
            level = higher_level(level, "self_care")
            codes.add("back_pain")
    return Refined(level or "self_care", tuple(sorted(codes)))
