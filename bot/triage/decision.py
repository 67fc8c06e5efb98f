"""The clinical decision, in one pure function: a message and the conversation's triage state in; the level,
the red flags, what to ask next and the new state out. Both nets read the normalised, spelling-corrected text:
the lexicon with medspaCy's ConText (negated, hypothetical, historical, someone else) and the learned net;
the higher level wins, and ConText's verdict also holds for the net where the lexicon placed the symptom."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from bot.text.normalize import patient_text
from bot.triage.followup import FOLLOW_UP_FOR
from bot.triage.levels import higher_level, rank
from bot.triage.net import RedFlagNet, load_examples, load_net
from bot.triage.spelling import SpellingCorrector
from bot.triage.temperature import find_temperature_f
from bot.triage.timing import procedure_to_come
from bot.triage.triage import HAS_IT_NOW, Assessment, Triage

logger = logging.getLogger(__name__)

# A message that refers back to the symptom of the turn before ("it's worse", "the other side too").
_REFERS_BACK = re.compile(r"\b(it|its|it's|that|that one|this|same|the other (side|leg|one)|both|too|again|"
                          r"worse|spread\w*|still)\b", re.I)
# Words of a message that reads as a symptom, for the screening question when neither net can place it.
_SYMPTOM_WORDS = re.compile(
    r"\b(pain\w*|hurt\w*|\w*ach(e|es|ing|y)\b|sore\w*|swell\w*|swollen|numb(?!er)\w*|tingl\w*|dizz\w*|weak\w*|sick|bleed\w*|"
    # not "blood pressure pills", "blood thinner", "blood test" (questions 40)
    r"blood\w*(?! (pressure|thinners?|tests?|work|sugars?|draws?|counts?|type|donation)\b)|"
    r"rash|itch\w*|breath\w*|cough\w*|vomit\w*|throw\w* up|threw up|temperature|burn\w*|sweat\w*|faint\w*|woozy|"
    r"funny|weird|strange|not right|(feel\w*|seems?|looks?|bit|little|all|something'?s|something is) off|unwell|ill|"
    r"symptom\w*|feel\w* (bad|awful|terrible|wrong)|"
    r"(do ?n'?t|do not|not) feel\w* (well|good|right))\b", re.I)
# A short message in plain English needs a word of the body or of a symptom before the net may place it: on
# "I don't know" or "banana" (answers to a follow-up question) its guesses are noise.
SHORT_MESSAGE_TOKENS = 4
_BODY_OR_SYMPTOM = re.compile(
    r"(chest|breath|lung|heart|leg|feet|foot|toe|knee|calf|arm|hand|face|mouth|lip|tongue|throat|speech|speak|talk|"
    r"word|pee|wee|urin|bladder|bowel|poo|stool|toilet|wet|soil|blood|bleed|wound|site|needle|cut|dressing|fever|"
    r"temp|hot|cold|chill|shak|shiver|sweat|faint|pass|black|collaps|fell|fall|trip|slip|confus|muddl|wake|woke|"
    r"sleep|drows|rash|hive|itch|swell|swoll|head|rib|side|back|spine|vomit|sick|throw|threw|nause|numb|tingl|weak|"
    r"pain|hurt|ach|sore|stiff|tired|die|dead|kill|end it|suicid|harm|hopeless|\d)", re.I)
_TODAY = re.compile(r"\b(now|right now|today|tonight|this (morning|afternoon|evening)|since (this|last night|"
                    r"yesterday)|currently|at the moment|all (day|night))\b", re.I)
# A "now" that tells of no new symptom: "it's no different now" (the old condition unchanged, batch 17), "it's been
# normal for five days now" (over, batch 34).
_NOW_OF_NOTHING_NEW = re.compile(
    r"\b(no different|not any different|unchanged|the same( as (ever|always|before|usual))?|"
    r"no worse|not worse|nothing new|nothing different)( (right )?now| than before)\b"
    r"|\b(back to normal|normal|gone|settled|cleared( up)?|resolved)( for (\w+ ){1,2}(days?|weeks?))? now\b", re.I)
SYMPTOM_INTENT = "report_symptom"  # the intent a message gets from `soon` up: an affirmed red flag escalates
QUESTION_CONFIDENCE = 0.6  # how sure of a question topic the classifier must be for it to be answered beside a symptom


def _findings_in(assessment, span: str) -> list:
    """The lexicon's findings (had or not) in this span of the message."""
    return [f for f in assessment.findings if f.text and f.text.lower() in span.lower()]


def confident_question(intent: Optional[Dict]) -> bool:
    """The classifier's intent (`{"name", "confidence"}`) is a knowledge-base question it is sure of."""
    intent = intent or {}
    return str(intent.get("name") or "").startswith("ask_") and (intent.get("confidence") or 0.0) >= QUESTION_CONFIDENCE


# a message that asks something: it ends with "?" or starts as a question does
# (after spoken fillers: "yeah um so is this gonna hurt", questions 40)
QUESTION = re.compile(r"\?\s*$|^(\W*(yeah|yes|um+|uh+|er+m*|so|ok|okay|well|hi|hello|hey|and|but|oh|like)\b)*\W*"
                      r"(what|when|how|should|is|are|am|can|could|will|would|do|does)\b", re.I)
CRISIS = "crisis"
LONG_MESSAGE_TOKENS, SENTENCE_MIN_TOKENS = 60, 5
# A sentence of a long message is scored alone only when the net is sure of it: it learnt from whole messages,
# and on one sentence of a story ("now I cannot stop thinking about it") it guessed wildly (2026-12-01: false alarms
# on 10 of 178 blind questions, 7 with this floor; no emergency or urgent message of batches 1-7 lost).
SENTENCE_SURE = 0.5
# A story that ends in a question ("... Will I be OK sitting in a car for that long?"): a sentence of it where the
# lexicon finds nothing counts only when the net is all but sure (questions 47: six story questions got 911, the
# crisis line or the clinic's call from one sentence at 0.62-0.83)
STORY_SENTENCE_SURE = 0.9
_SAME_SYMPTOM = {"low_temperature": "fever"}  # the net's name for a reading below the fever threshold
SURE = 0.9  # the net's probability of its level above which a past-tense phrase elsewhere does not silence it
# The net's emergency at this probability stands even where ConText reads the lexicon's sign as not the patient's now.
# Two emergencies of batch 40 were denied that way with the net at 0.99 and above: "shes not making sense, talking
# about her late husband being at work" (someone else's), "I can't do anything for myself and lately I've been
# thinking about ending things" (negated). On 11 batches (2026-12-04) it changed no recall and added one false alarm.
SURE_EMERGENCY = 0.98
# The second opinion the other way round. Where only the lexicon escalates and the net is all but certain the message
# tells of nothing the patient has now (a figure of speech, someone else's story, a question ConText did not catch),
# the two disagree: the sign is not told as an emergency, the patient is asked whether they have it now, with what to
# do if so. The threshold (`doubt` in data/triage/thresholds.yml) is chosen by cross-validation (net_tuning.py) above
# every held-out true alarm of the training data that may be doubted (`never_doubted`). A message that refers back to
# a symptom told before is also read together with it, without the doubt (the safer reading).
CRISIS_NEVER_DOUBTED = frozenset({CRISIS})
# "Is it normal to have numbness after the procedure?" is asked by patients who have it (the safety suite reads it as a
# report, data/kb/context_rules.yml): never doubted either, however sure the net is that it is only a question. It
# was the one held-out true alarm above 0.9 (0.957); the next was 0.895.
_ASKS_IF_NORMAL = re.compile(r"\b(is it|is that|it is|it's|its|is this) (normal|common|usual|ok|okay|alright|expected|"
                             r"typical) (to (have|feel|be|still)|that|if|for)\b", re.I)


def never_doubted(text: str, alarms) -> bool:
    """Whether the lexicon's alarms in `text` stand whatever the net reads: thoughts of suicide, or a sign asked
    about as "is it normal to have ...?"."""
    return any(f.code in CRISIS_NEVER_DOUBTED for f in alarms) or bool(_ASKS_IF_NORMAL.search(text))
# A question that tells nothing of now: it opens with a question word, ends with "?", and has no word of the writer or
# of now ("is coughing up blood a 911 thing?", "would passing out after the op count as an emergency?"), unlike "is
# it bad that my legs are numb?" or "should I go in with this chest pain?"
_OPENS_AS_QUESTION = re.compile(r"^\W*((and|but|so|also|ok|okay|hi|hello|sorry|quick question)\W+)?(is|are|was|were|does|do|"
                                r"did|can|could|would|will|should|shall|what|what'?s|why|how|which|when|who|where)\b", re.I)
# "this" tells of now unless it names the procedure ("is a stroke possible from this procedure?", "... after this?")
_TELLS_OF_NOW = re.compile(r"\b(i'?m|im|i am|i'?ve|ive|i have|i'?d|i had|i got|i can'?t|i cant|i feel|i keep|my|mine|"
                           r"he'?s|she'?s|he has|she has|his|these|now|today|tonight|since|started|still|"
                           r"again|already|just|currently|right)\b|\bthis\b(?! (procedure|operation|op|surgery|"
                           r"treatment|kyphoplasty|vertebroplasty|cement|injection)\b)(?!(?:(?<=after this)|(?<=from this)|"
                           r"(?<=with this))\s*[?.!]*\s*$)", re.I)


def only_asked(sentence: str) -> bool:
    """Whether a sentence is a question that tells nothing of now."""
    sentence = sentence.strip()
    return sentence.endswith("?") and bool(_OPENS_AS_QUESTION.search(sentence)) and not _TELLS_OF_NOW.search(sentence)


# What the rest of a message says when it tells that the writer has what the question asked about ("... after this?
# because i have", "... ? that's what the thermometer says now"); not "I'm fine", "I've never had it"
_SAYS_IT_IS_HAD = re.compile(HAS_IT_NOW.pattern + r"|\b(now|today|tonight|this (morning|afternoon|evening)|"
                             r"happened to me|mine|i'?ve got|ive got|i feel)\b", re.I)


def alarms_in_questions(alarms) -> bool:
    """Whether every alarm of the lexicon sits in a question that tells nothing of now."""
    return bool(alarms) and all(f.sentence and only_asked(f.sentence) for f in alarms)


def alarms_only_asked(alarms, text: str) -> bool:
    """Whether every alarm of the lexicon sits in a question that tells nothing of now, and the rest of the message
    does not say it is had ("do people lose bladder control after this? because i have" is a report)."""
    if not alarms_in_questions(alarms):
        return False
    rest = text
    for sentence in {f.sentence for f in alarms}:
        rest = rest.replace(sentence, " ")
    return not _SAYS_IT_IS_HAD.search(rest)


NET = "net"  # the code of a level that only the learned net gave and could not name


@dataclass(frozen=True)
class TriageState:
    """What the conversation has told so far: each red flag with its level, and the last symptom message."""
    symptoms: Tuple[Tuple[str, str], ...] = ()
    last_symptom_text: str = ""

    @property
    def by_code(self) -> Dict[str, str]:
        return dict(self.symptoms)

    @property
    def highest_level(self) -> Optional[str]:
        level = None
        for value in self.by_code.values():
            level = higher_level(value, level)
        return level


@dataclass(frozen=True)
class Decision:
    level: Optional[str]                      # this message's level (None: nothing the patient has now)
    codes: Tuple[str, ...]                    # the red flags behind it
    mentioned: Tuple[str, ...] = ()           # named but not had now: denied, asked about, past, someone else
    follow_ups: Tuple[str, ...] = ()          # question families that set the level (never for an emergency)
    unplaced: bool = False                    # reads as a symptom that neither net can place: screen for 911 signs
    crisis: bool = False
    refers_back: bool = False                 # assessed with the symptom of the turn before
    asked_about: Tuple[str, ...] = ()         # of `mentioned`, the ones only asked about: ask whether the patient has them
    doubted: Tuple[str, ...] = ()             # of `asked_about`, the ones only the lexicon found, the net sure of nothing
    state: TriageState = field(default_factory=TriageState)

    @property
    def overall_level(self) -> Optional[str]:
        return self.state.highest_level


def _level_probability(prediction) -> float:
    """How sure the net is of the level it gave: P(emergency), or P(emergency) + P(urgent) for urgent."""
    p = prediction.probabilities
    if prediction.level == "emergency":
        return p["emergency"]
    if prediction.level == "urgent":
        return p["emergency"] + p["urgent"]
    return p[prediction.level]


class TriageEngine:
    def __init__(self, triage: Triage, net: Optional[RedFlagNet], speller: Optional[SpellingCorrector]) -> None:
        self.triage, self.net, self.speller = triage, net, speller

    def read(self, text: str) -> str:
        text = patient_text(text)
        return self.speller.correct(text) if self.speller else text

    def assess(self, text: str) -> Tuple[Assessment, Optional[str], Optional[str]]:
        """The lexicon's findings, and the level and flag the learned net adds (None when it adds nothing)."""
        doc, assessment = self.triage.analyse(text)
        if self.net is None or not text:
            return assessment, None, None
        if len(doc) <= SHORT_MESSAGE_TOKENS and not assessment.findings and not _BODY_OR_SYMPTOM.search(text) \
                and self._plain_english(doc):
            return assessment, None, None  # "I don't know", "banana": nothing the net can read a symptom from
        # A red flag buried in a long message is read sentence by sentence too; short fragments ("day two.") are
        # not: the net learnt from whole messages and guesses wildly on them.
        sentences = [s for s in doc.sents if len(s) >= SENTENCE_MIN_TOKENS] if len(doc) >= LONG_MESSAGE_TOKENS else []
        tokens_of = {text: doc, **{s.text: s for s in sentences}} if len(sentences) > 1 else {text: doc}
        spans = list(tokens_of)
        net_level, net_code = None, None
        predicted = dict(zip(spans, self.net.predict(spans)))
        asks_at_the_end = text.rstrip().endswith("?")
        for index, (span, prediction) in enumerate(predicted.items()):
            if self._named_without_its_words(prediction, span, tokens_of[span]) \
                    or self._named_for_an_idiom(prediction, span):
                continue
            if prediction.level is None or self._context_denies(assessment, span, prediction) \
                    or self._reading_denies(assessment, span, prediction):
                continue
            sure = STORY_SENTENCE_SURE if asks_at_the_end and not _findings_in(assessment, span) else SENTENCE_SURE
            if index and (_level_probability(prediction) < sure or self._inconsistent(prediction)):
                continue  # one sentence of a long story, out of the net's usual reach: only a sure guess counts
            level = prediction.level
            # a red flag of the lexicon's 911 list named at the urgent threshold is an emergency: the net's level
            # probabilities split between the two ("4/5 hip flexor weakness": urgent 0.14, emergency 0.41)
            if not index and level == "urgent" and prediction.code and self.triage.lexicon.has(prediction.code) \
                    and self._flag_level(prediction.code, level) == "emergency":
                level = "emergency"
            # the net says urgent naming the very sign the lexicon found, and the lexicon knows that sign's level: a
            # level above it is the net's levels straying ("5 days ago and my pain is not getting better"). Never an
            # emergency: there the net's flag may be the wrong one ("probably just tired, but she's saying odd things")
            if level == "urgent" and prediction.code in {f.code for f in assessment.affirmed}:
                level = min(level, self._flag_level(prediction.code, level), key=rank)
            # the level reached by its threshold alone while the sign the net names is below urgent, and the net's
            # likeliest level is that sign's ("all black and blue around the two little cuts": self-care 0.45,
            # emergency 0.39, bruising; batch 34) or it is unsure of its level: the level is what strays
            if not index and self._strays_above_its_sign(prediction):
                level = self._sign_level(prediction.code)
            if rank(level) > rank(net_level):
                net_level, net_code = level, prediction.code
        told_level, told_code = self._asked_then_told(doc, assessment, predicted)
        if rank(told_level) > rank(net_level):
            net_level, net_code = told_level, told_code
        return assessment, net_level, net_code

    def _asked_then_told(self, doc, assessment: Assessment, predicted: Dict[str, object]) -> Tuple[Optional[str], Optional[str]]:
        """A question about a sign, then a statement that the patient has it ("What does it mean if you can't pee
        after this? I haven't been able to go since 2", lookalikes f): ConText rightly reads the question's sign as
        asked about, which silences the net on the whole message. Each statement (a sentence with no question mark and
        no finding of its own) is then read alone; the net counts when it is sure of an alarm of the very sign asked
        about. `predicted`: the net's readings of the spans already read (a long message's sentences), not read again."""
        asked_findings = [f for f in assessment.findings if f.hypothetical and not (f.negated or f.historical
                                                                                     or f.other_person)]
        asked = {_SAME_SYMPTOM.get(f.code, f.code) for f in asked_findings}
        if not asked or self.net is None:
            return None, None
        # told after the question, not before it: "we are both a bit deaf ... Things like chest pain, the legs going
        # weak: are those the main ones?" (lookalikes m)
        asked_from = min(max(doc.text.find(f.sentence), 0) for f in asked_findings)
        # "..., no trouble breathing" still tells; so does "Grandad's talking nonsense this evening - ... which closed
        # in 1980", whose sign ConText put in 1980 (lookalikes h)
        # but not "I blacked out once in 2010 ... never since. The form asks about fainting" (lookalikes l): a sentence
        # of the past with no word of today is no statement of now
        found_in = {f.sentence for f in assessment.findings
                    if not f.negated and not (f.historical and _TODAY.search(f.sentence))}
        statements = [s.text for s in doc.sents if len(s) >= SENTENCE_MIN_TOKENS and "?" not in s.text
                      and s.text not in found_in and s.start_char > asked_from]
        unread = [s for s in statements if s not in predicted]
        predicted = {**predicted, **dict(zip(unread, self.net.predict(unread)))}
        best_level, best_code = None, None
        for prediction in (predicted[s] for s in statements):
            p = prediction.probabilities
            if prediction.code in asked and rank(prediction.level) >= rank("urgent") \
                    and p["emergency"] + p["urgent"] >= SENTENCE_SURE and not self._inconsistent(prediction) \
                    and rank(prediction.level) > rank(best_level):
                best_level, best_code = prediction.level, prediction.code
        return best_level, best_code

    def _inconsistent(self, prediction) -> bool:
        """The net's two heads disagree: it names no red flag of the lexicon, or its level is above the level of the
        one it names ("emergency" with "needle_site_soreness"), as on a sentence of a story it never saw the like of."""
        return not (prediction.code and self.triage.lexicon.has(prediction.code)) \
            or rank(self._flag_level(prediction.code, prediction.level)) < rank(prediction.level)

    def _lexicon_level(self, code: Optional[str]) -> Optional[str]:
        return self.triage.lexicon.by_code(code).level if code and self.triage.lexicon.has(code) else None

    def _sign_level(self, code: Optional[str]) -> Optional[str]:
        """A sign's level: the lexicon's, else its usual level in the net's training messages; None if unknown."""
        return self._lexicon_level(code) or getattr(self.net, "code_levels", {}).get(code)

    def _strays_above_its_sign(self, prediction) -> bool:
        """The net's level is urgent or higher while the sign its flag head names is below urgent, and either its
        likeliest level is that sign's or it is not sure of its own (below SENTENCE_SURE). Held out on 5 folds of
        the training data (2026-12-03): 51 such alarms of the net, 20 true and 31 false; below 0.5 were 1 true (a
        fever of 100.9 the lexicon reads anyway) and 17 false ("I feel like a wet dishrag ... want a nap")."""
        sign_level = self._sign_level(prediction.code)
        if sign_level is None or rank(sign_level) >= rank("urgent"):
            return False
        likeliest = max(prediction.probabilities, key=prediction.probabilities.get)
        return likeliest == sign_level or _level_probability(prediction) < SENTENCE_SURE

    def _flag_level(self, code: str, level: str) -> str:
        """A red flag's level in the lexicon, else `level` (a flag only the net names)."""
        return self._lexicon_level(code) or level

    def _flag_named(self, prediction):
        """The lexicon's entry for the red flag the net names, if the lexicon has it."""
        has = prediction.code and self.triage.lexicon.has(prediction.code)
        return self.triage.lexicon.by_code(prediction.code) if has else None

    def _named_without_its_words(self, prediction, span: str, tokens) -> bool:
        """The net names a red flag with no word of its field (the lexicon's `net_needs`) in a span of plain English.
        The span's own words: a name of the procedure elsewhere in a story is no misspelling that could hide a crisis
        word in "my husband wants to cancel but i really don't want to miss it" (questions 47)."""
        flag = self._flag_named(prediction)
        needs = flag.field_words if flag else None
        return needs is not None and not needs.search(span) and self._plain_english(tokens)

    def _named_for_an_idiom(self, prediction, span: str) -> bool:
        """The net names a red flag for words of an idiom that only sound like it (the lexicon's `net_idioms`: "I fell
        asleep on the sofa" read as a fall): read again without the idiom, the span no longer raises that flag."""
        flag = self._flag_named(prediction)
        idioms = flag.idiom_words if flag else None
        if idioms is None or not idioms.search(span):
            return False
        again = self.net.predict([idioms.sub(" ", span)])[0]
        return again.level is None or rank(again.level) < rank(prediction.level) or again.code != prediction.code

    def _plain_english(self, tokens) -> bool:
        """Every word is a common English word (a misspelt one, "coffing up blod", may hide a symptom)."""
        if self.speller is None:
            return True
        return all(self.speller.is_common_english(t.lower_) for t in tokens if t.is_alpha)

    def _reading_denies(self, assessment: Assessment, span: str, prediction) -> bool:
        """A thermometer reading below the fever threshold outweighs the net's guess of a fever ("it says 100.1,
        does that count as a fever?"); chills or shaking are the lexicon's own fever findings and still count."""
        if prediction.code != "fever":
            return False
        # the readings the patient has now: not "that's not quite the 100.4 on the sheet", not "what if it hits 101"
        readings = [f.temperature_f for f in assessment.findings
                    if f.temperature_f is not None and not (f.negated or f.hypothetical or f.historical)]
        if not readings:  # a bare reading ("36.7 this morning") is no finding of the lexicon
            told = find_temperature_f(span)
            readings = [told] if told is not None else []
        return bool(readings) and max(readings) < self.triage.fever_threshold_f

    @staticmethod
    def _context_denies(assessment: Assessment, span: str, prediction) -> bool:
        """ConText holds for the net too: where the lexicon found this symptom in the span and ConText says the
        patient does not have it now (denied, asked about, past, someone else's), the net's guess is dropped."""
        inside = _findings_in(assessment, span)
        if not inside or any(f.affirmed for f in inside):
            return False
        if prediction.level == "emergency" and prediction.probabilities["emergency"] >= SURE_EMERGENCY:
            return False
        # "In the past" does not silence the net in a message that also speaks of today, nor when the net is sure:
        # a time phrase of another clause ("he doesn't know where he is, asking for his mam who died in 1980") too
        # easily reaches a symptom of now.
        only_past = all(f.historical and not (f.negated or f.hypothetical or f.other_person) for f in inside)
        if only_past and (_TODAY.search(_NOW_OF_NOTHING_NEW.sub("", span))
                          or prediction.probabilities[prediction.level] >= SURE):
            return False
        return prediction.code is None or _SAME_SYMPTOM.get(prediction.code, prediction.code) in {f.code for f in inside}

    def decide(self, text: str, state: TriageState = TriageState()) -> Decision:
        read = self.read(text)
        assessment, net_level, net_code = self.assess(read)
        level, codes = assessment.level, list(assessment.codes)
        if rank(net_level) > rank(level):
            level = net_level
            named = net_code if net_code and self.triage.lexicon.has(net_code) else NET
            if named not in codes:
                codes.append(named)
        doubted = self._doubted(read, assessment) if rank(net_level) < rank("urgent") <= rank(level) else ()
        if doubted:
            level = None
            for finding in assessment.affirmed:
                if finding.code not in doubted:
                    level = higher_level(finding.level, level)
            codes = [c for c in codes if c not in doubted]
        refers_back = False
        if state.last_symptom_text and _REFERS_BACK.search(read) and rank(level) < rank("emergency"):
            joined = self.read(f"{state.last_symptom_text}, {text}")
            earlier, _, _ = self.assess(self.read(state.last_symptom_text))
            together, together_net, together_code = self.assess(joined)
            combined = higher_level(together.level, together_net)
            if rank(combined) > rank(higher_level(level, earlier.level)):
                level, refers_back = combined, True
                codes = sorted(set(codes) | set(together.codes) | ({together_code} if together_code and
                                                                   self.triage.lexicon.has(together_code) else set()))
        mentioned = tuple(sorted({c for c in assessment.mentioned_codes if c not in codes} | set(doubted)))
        follow_ups = tuple(assessment.follow_ups) if level == assessment.level and level != "emergency" else ()
        if procedure_to_come(read):
            # self-care means "expected after the procedure": before it, the same ache is a worry for office hours,
            # and "is the pain worse than before the procedure?" cannot be answered
            level = "soon" if level == "self_care" else level
            # the net learnt a fever as a complication of the procedure; before it, a cold with a fever is the
            # lexicon's urgent call to the clinic, not 911 ("scheduled for Friday ... I feel a bit feverish", questions 38)
            if level == "emergency" and rank(assessment.level) < rank("emergency") and net_code in assessment.codes:
                level = assessment.level
            follow_ups = tuple(f for f in follow_ups if f != FOLLOW_UP_FOR["back_pain"])
        unplaced = (level is None and not mentioned and bool(_SYMPTOM_WORDS.search(read))
                    and not QUESTION.search(read))
        remembered = {c: l for c, l in state.by_code.items() if c not in mentioned}
        if level:  # the same rule as the actions apply to the slots: symptoms told before add up
            remembered = outcome(level, codes, remembered, self._flag_level).remembered
        new_state = TriageState(tuple(sorted(remembered.items())),
                                text if (level or unplaced) else state.last_symptom_text)
        asked_about = tuple(sorted({c for c in assessment.asked_about_codes if c in mentioned} | set(doubted))) \
            if not level or rank(level) < rank("urgent") else ()
        return Decision(level, tuple(sorted(codes)), mentioned, follow_ups, unplaced, CRISIS in codes,
                        refers_back, asked_about, tuple(doubted), new_state)

    def _doubted(self, text: str, assessment: Assessment) -> Tuple[str, ...]:
        """The lexicon's urgent and emergency signs, when the net reads the message - and, in a message of several
        sentences, each sentence that holds one - as nothing the patient has now with at least the `doubt`
        probability."""
        alarms = assessment.alarms
        thresholds = self.net.thresholds if self.net else None
        threshold = thresholds.doubt if thresholds else None
        if thresholds and thresholds.question_doubt is not None and alarms_only_asked(alarms, text):
            threshold = min(thresholds.question_doubt, threshold if threshold is not None else 1.0)
        if threshold is None or not alarms or never_doubted(text, alarms):
            return ()
        spans = [text] + sorted({f.sentence for f in alarms if f.sentence} - {text})
        if any(p.probabilities["none"] < threshold for p in self.net.predict(spans)):
            return ()
        return tuple(sorted({f.code for f in alarms}))


# Pain not yet better is expected before the clinic's review day (clinic page: relief can take a few weeks;
# midwestbonejoint.com: no relief after two weeks, see the surgeon): then it is self-care.
EXPECTED_EARLY = frozenset({"pain_not_improving", "back_pain", "needle_site_soreness"})


@dataclass(frozen=True)
class Outcome:
    """What a turn's triage comes to, with what the conversation said before."""
    level: str                    # the level to tell the patient: the highest of this turn and the earlier ones
    codes: Tuple[str, ...]        # the red flags behind it
    remembered: Dict[str, str]    # every red flag told so far, code -> level (the conversation's state)


def outcome(level: str, codes: List[str], remembered: Dict[str, str], flag_level, days_since_procedure=None,
            pain_review_days: Optional[float] = None) -> Outcome:
    """The level of a triaged turn given the symptoms told before (the highest wins); `flag_level(code, level)` is
    the level of a red flag, capped by nothing. Pure: the actions pass the slots in and store `remembered`."""
    if (level == "soon" and "pain_not_improving" in codes and set(codes) <= EXPECTED_EARLY
            and days_since_procedure is not None and pain_review_days is not None
            and float(days_since_procedure) < pain_review_days):
        level = "self_care"
    remembered = dict(remembered)
    # each code at its own level, capped at this turn's (a fever below the threshold is `soon`, not `urgent`)
    remembered.update({code: min(flag_level(code, level), level, key=rank) for code in codes})
    overall = level
    for earlier in remembered.values():
        overall = higher_level(overall, earlier)
    all_codes = sorted(remembered) if overall != level else sorted(codes)
    return Outcome(overall, tuple(all_codes), remembered)


def build_engine(triage: Optional[Triage] = None, with_net: bool = True) -> TriageEngine:
    triage = triage or Triage()
    net = load_net() if with_net else None
    lexicon = [p for f in triage.lexicon.red_flags for p in f.phrases + f.patterns]
    messages = net.labelled_texts if net else [e.text for e in load_examples()]
    return TriageEngine(triage, net, SpellingCorrector(messages, lexicon))


@lru_cache(maxsize=1)
def default_engine() -> TriageEngine:
    from bot.clinic import load_profile

    return build_engine(triage_for(load_profile()))


def triage_for(profile) -> Triage:
    """The lexicon with this clinic's temperatures: its fever threshold, and the top of the normal range."""
    return Triage(fever_threshold_f=profile.setting("fever_threshold_f"),
                  normal_temperature_max_f=profile.settings.get("normal_temperature_max_f", {}).get("value"))
