"""What the patient says they have now, and the triage level it calls for."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import List, Optional

from bot.triage.followup import families_for
from bot.triage.levels import higher_level, rank
from bot.triage.lexicon import Lexicon, load_lexicon
from bot.triage.pipeline import TARGETS, build_pipeline
from bot.triage.temperature import find_temperature_f, is_reference

# A relative who writes for the patient speaks of the patient in the present or of the procedure:
# "my husband has chest pain", "she had kyphoplasty and now can't feel her legs". Those escalate;
# "my husband had chest pain" (someone else, in the past) does not.
_PROXY_PRESENT = re.compile(
    r"\b(has|have|having|is|are|was just|now|right now|today|tonight|this (morning|evening|afternoon)|"
    r"since|can'?t|cannot|can not|could not|couldn'?t|keeps?|started|just|suddenly|the patient|she'?s|he'?s|seems?|"
    r"kyphoplasty|vertebroplasty|procedure|surgery|operation|cement)\b",
    re.IGNORECASE,
)


# "My husband has a temperature of 38.5, will that affect my procedure? I feel absolutely fine myself" (batch 17): the
# writer is the patient (it is "my procedure") and well, so the relative's symptom is the relative's. A carer who is
# well ("my husband can't feel his legs, I feel fine myself") is not the patient: that still escalates.
_WRITER_WELL = re.compile(r"\b(i feel|i'?m|i am|im|i'?ve been|ive been)( doing)?( absolutely| perfectly| completely| totally| quite| really)? "
                          r"(fine|well|ok|okay|good|great)(( in)? myself)?\b|\bfor me (everything|all) is (normal|fine|ok|okay|good)\b",
                          re.I)
_NOT_A_FEVER = re.compile(r"\b(hay|cabin|spring)\s*$", re.I)  # "in hay fever season"
# "my fever thermometer"; "Fever of 100.4 F or higher, call your provider" (a sheet quoted, lookalikes m); "the Fever &
# Travel Clinic" (batch 41)
_NOT_A_FEVER_AFTER = re.compile(r"^\W*((thermometer|strips?|log|chart|diary)\b"
                                r"|(of |over |above |is |at )?(\d{2,3}(\.\d)?\W*)?(degrees?\W*)?(f\b|c\b)?\W*(or|and) (higher|above|more|over)\W+(then )?(you should )?"
                                r"(call|contact|phone|ring|go|seek|tell|let|page)\b)"
                                r"|^ (& (?!(the|a|an|my|your|our|his|her|their|this|that) )[a-z]+ )?(clinic|centre|center|ward)\b",
                                re.I)
# "Should I be worried about numbness in my toes? I don't have any": what the question names is denied
_DENIES_ALL = re.compile(r"(^|[.!?]\s*)(but )?(i|he|she) (don'?t|dont|do not|doesn'?t|does not|haven'?t|havent|have not|"
                         r"hasn'?t|has not) (have|got|get|had) (any|it|them|that|those|any of (it|them|that|those))"
                         r"( (at all|now|yet|so far))?\s*([.!,]|$)", re.I)
# "Asking in advance, no headache so far", "dont have it", "its on ur list, just curious" (lookalikes f): what the question
# names is denied, unless the message also says it has begun. Not "no pain yet" or "he's fine now": a fall is still a fall
# "Reading ahead, I'm fine" (lookalikes h)
_JUST_ASKING = re.compile(r"\b(just (curious|asking|wondering|want(ed)? to know|checking|in case|reading)|reading (ahead|up)|asking (in advance|ahead|"
                          r"beforehand|for (the )?future)|for future reference|(do ?n'?t|dont|do not) have (it|that|one|any)"
                          r"( now| yet| rn)?)\b", re.I)
HAS_IT_NOW = re.compile(r"\b(started|began|begun|came on|come on|since (this|last|yesterday|lunch|i|\d)|been having|"
                         r"i have (it|them|one|that) (now|right now|rn)|getting worse|creeping|spreading|right now|rn|currently|"
                         r"at the moment)\b|\b(i|he|she) (have|has|got|'ve got|am having|is having)\b(?! (no|not|never)\b)", re.I)
_SHIVERING = re.compile(r"chill|shak|shiver|rigor|sweat|hot and cold", re.I)
# "at the sight of my wound when we changed the dressing": a wound or dressing of the writer's own (batch 27)
_WRITER_IS_PATIENT = re.compile(r"\bmy (procedure|op|operation|surgery|kyphoplasty|vertebroplasty|wound|incision|"
                                r"dressing|stitches|needle site|puncture site|bandage|plaster|bedside|hospital bed)\b", re.I)
# "...will it matter before my procedure?", "I may need to reschedule my appointment": the writer is the patient,
# planning for their own procedure (and "husband has fever (flu). can i still come in for my procedure" is his, batch 28)
_WRITER_PLANS = re.compile(r"\b(before|after|for|until|till|to|during) my (procedure|op|operation|surgery|kyphoplasty|vertebroplasty)\b"
                           r"|\b(drive|take|bring|run) me (in|to|there|home|on|for|mon|tue|wed|thu|fri|sat|sun|tomorrow)"
                           # "he's my caregiver", "late for my 2pm" (lookalikes l)
                           r"|\b(he'?s|she'?s|he is|she is|who is|who'?s) my (caregiver|carer|driver|ride)\b"
                           r"|\blate for my (\d|appointment|appt)"
                           r"|\bi('?m| am) the (one|patient)\b|\b(me|i),? the patient\b|\bnot the patient,? i am\b"
                           # "i'm 4 days post vertebroplasty", "should he keep away from me while I recover?" (round 26)
                           r"|\bi'?m (\w+ )?(days?|weeks?) (post|after)\b|\bwhile i (recover|heal|get better)\b"
                           # "my own procedure is next week", "she was meant to be my driver tomorrow", "I am not
                           # operated yet" (lookalikes m)
                           r"|\bmy (own )?(procedure|op|operation|surgery|kyphoplasty|vertebroplasty) is (next|on|in|tomorrow|this|booked|scheduled)\b"
                           r"|\bmy (driver|ride|lift) (tomorrow|for|on|to)\b|\b(i am|i'?m|im) not (operated|done) yet\b"
                           # "he got a terrible headache after his. Will I get that too? Mine is next week" (lookalikes f)
                           r"|\bmine is (next|on|in|tomorrow|this|booked|scheduled)\b|\b(booked|scheduled|down)( in)? for mine\b|\bwill i (get|have) (that|this|it|the same) too\b"
                           r"|\b(reschedule|cancel|move|postpone|miss|change|rearrange|put off|push back) my "
                           r"(appointment|appt|procedure|op|operation|surgery|date|slot)\b", re.I)
# "my sister staying with me has the flu": "with me" does not make the writer the one who has it
_LIVES_WITH_ME = re.compile(r"\b(who'?s |who is |that'?s )?(staying|living|stopping|lives|stays) with (me|us)\b", re.I)
_RELATIVE = (r"(husband|wife|partner|mother|mom|mum|father|dad|son|daughter|sister|brother|aunt|uncle|"
             r"grand(mother|ma|father|pa)|kids?|child|children)")
_NOT_THE_WRITER_AFTER = r"(?![^.!?]*\b(i|i'?m|me|my)\b)"
_RELATIVE_FIRST = re.compile(rf"^\W*((my|our) )?{_RELATIVE}\b{_NOT_THE_WRITER_AFTER}", re.I)
# "I'm the one who had the kypho (doing great) but my son's broken out in a rash": the relative is the subject of
# the sign (not "my wife noticed my legs are numb")
_RELATIVE_HAS = re.compile(rf"\b(my|our) {_RELATIVE}('s| has| is| was| had| got| has got| keeps| started)\b"
                           rf"{_NOT_THE_WRITER_AFTER}", re.I)


# "my legs went numb after lifting my grandson", "after lifting my grandson I passed out": a sign the writer names as
# their own ("my legs", "I have a") is theirs, whoever else the sentence names (found in a blind training batch)
_WRITERS_OWN = re.compile(r"\b(my|i|i'?ve|ive|i'?m|im)( (have|had|got|'ve got|am|was|feel|felt|keep|kept|just|suddenly|"
                          r"now|also|really|a|an|some|very|bad|terrible|severe|sudden|new))*\s*$", re.I)


# "My neighbour had it done and she got a fever afterwards": the clause after "and she" is still the neighbour's
# (ConText's scope ends at "and she", which guards against a negation reaching too far). Only people who are never
# the patient (not relatives, who may be writing for the patient), and only while the patient is not named again.
_SOMEONE_ELSE = re.compile(
    r"\b(neighbou?rs?|friends?|room ?mates?|flat ?mates?|colleagues?|co-?workers?|cousins?|nephews?|nieces?|"
    r"(brother|sister|mother|father|son|daughter)s?[ -]in[ -]law|pastor|vicar|priest|minister|rabbi|imam|boss|"
    # not "the patient": "Grandma (the patient) isn't vomiting but she's very drowsy" (lookalikes l)
    r"landlord|landlady|(a|one|another|this|that|the) (lady|man|woman|gentleman|guy|chap|fellow|bloke|person)|"
    r"(a|one|another|that) patient)\b",
    re.I)
_STILL_THEM = re.compile(r"\b(and|then|but|so|,|said|says|told me|mentioned)\s*(that\s+)?(she|he|they|her|his|their)\b(?![^.!?]*\b(i|i'?m|i'?ve|me|my)\b)[^.!?]*$", re.I)
_PATIENT_NAMED = re.compile(r"\b(i|i'?m|i'?ve|me|my)\b", re.I)
# "a man at my church ... and his legs went weak": a place of the writer's does not name the writer as the patient
_PLACE_OF_MINE = re.compile(r"\b(at|from|in|on|down) my (church|chapel|work|job|club|gym|street|road|building|office|"
                            r"school|group|class|choir|pool|estate|village|parish)\b", re.I)


def _still_someone_else(sentence: str, before: str) -> bool:
    """Whether `before` (the sentence up to a finding) names someone else and then goes on with "and she"."""
    who = None
    for who in _SOMEONE_ELSE.finditer(before):
        pass
    if who is None:
        return False
    after = _PLACE_OF_MINE.sub("", before[who.end():])
    return bool(_STILL_THEM.search(after)) and not _PATIENT_NAMED.search(after)


# A story told from a time long past: "Back in 2019 I had my hip replaced and the wound got infected", "two winters
# ago I was admitted with pneumonia; I was very breathless" (batch 25). ConText's scope ends at "and the" or ";", which
# keeps a negation from reaching too far, but the sentence stays in that time until a word of the present comes.
# ("two years before, after the stomach operation, I was vomiting": lookalikes f; "back in nineteen ninety eight":
# lookalikes m)
_PAST_ANCHOR = re.compile(r"(?<!since )(?<!from )(?<!until )\b((back )?in ((19|20)\d\d|nineteen \w+( \w+)?)|(\w+ )?(years?|winters?|summers?|"
                          r"months?|christmases) ago|(\w+ )?years? (before|back|earlier)|"
                          r"last (year|month|week|winter|summer|spring|autumn|fall|christmas|easter))\b", re.I)
# (without apostrophes too: "people who died years ago like theyre in the room", lookalikes m)
_PRESENT = re.compile(r"\b(now|still|again|today|tonight|yesterday|this (morning|afternoon|evening|week)|since|currently|"
                      r"start\w*|began|begun|keeps?|is|are|am|has|have|can'?t|cannot|cant|won'?t|wont|do|does|don'?t|"
                      r"doesn'?t|feel|feels|get|gets|hurts?|theyre|shes|hes|im|ive)\b|'(s|m|re|ve)\b", re.I)


# "I had the procedure last month and my legs gave way": the time dates the procedure, and what came after it is now
_DATES_THE_PROCEDURE = re.compile(r"\b(kyphoplasty|vertebroplasty|kypho|vertebro|procedure|surgery|operation|op|cement|"
                                  r"done)\W+$", re.I)


_PROCEDURE = re.compile(r"\b(kyphoplasty|vertebroplasty|kypho|vertebro|procedure|surgery|operation|op|cement)\b", re.I)


def _told_of_the_past(before: str) -> bool:
    """Whether the sentence up to a finding is set in a time long past, with no word of the present since."""
    anchor = None
    for anchor in _PAST_ANCHOR.finditer(before):
        pass
    if anchor is None or _DATES_THE_PROCEDURE.search(before[:anchor.start()]) or _PRESENT.search(before[anchor.end():]):
        return False
    # "Last week I had the kyphoplasty and got a fever": a sign after last week's procedure may well go on
    return not (anchor.group().lower().startswith("last week") and _PROCEDURE.search(before[anchor.end():]))


# "What happens if I can't move my legs? Asking because I can't right now": the question is about now, so what it
# asks about is had, not hypothetical.
_ASKED_BECAUSE_NOW = re.compile(
    r"\b((i'?m |i am )?asking (because|since|as|cos|cause)|the reason i ask is( that)?) (i|he|she|mum|mom|dad|my \w+)"
    r"( (really|actually|do|does|can'?t|cannot|cant|have|has|am|is|'m|'s|got|feel|feels))+\b"
    r"|\bbecause (i|he|she) (do|does|can'?t|cannot|cant|have|has)( (it|that|them|this))? (right )?now\b"
    r"|\b(which|and) (i|he|she) (do|does|have|has|can'?t|cannot|cant)( (it|that|them|this))? (right )?now\b"
    # "If I told you my legs have been numb since lunch, would you tell me to go in? Because they have been."
    r"|\b(because|cause|cos|coz) (they|it|i|he|she) (have|has|am|is|are|do|does)( been| now)?\W*$"
    # "what would cause sharp pain in my side on a deep breath, because that's what i've got since this morning" (lookalikes g)
    r"|\b(because|cause|cos|coz|as) (that'?s|thats|that is) what (i|he|she|mum|mom|dad)('ve| have|'s| has|s)? ?(got|have|has|had|feel|feels)\b"
    # "the sheet says call 911 for chest pain, well I have it now", "what would it mean if breathing got really hard
    # ... its like that now", "call if the site is red or swollen. It's both", "thats exactly what I've had since
    # yesterday" (lookalikes l)
    r"|\b(i|he|she)('ve| have|'s| has)? (have|has|got) (it|that|this|them|those|both) (right )?now\b"
    r"|\b(it'?s|its|it is|they'?re|theyre|they are) (like that|like this|both|all three|all of (them|those|that))( (right )?now)?\b(?! (ok|okay|fine|normal|good))"
    r"|\b(that'?s|thats|that is) (exactly |just )?what (i|he|she)('ve| have|'s| has|s)? ?(got|have|has|had|feel|feels)( \w+)? (since|for|now|right now|today)\b"
    # "What if the spot where the needle went in is red? Asking because mine is", "asking for me, it's kind of happening
    # right now", "My sheet says to call if there's sharp pain in the side. I've had that for a day" (lookalikes j)
    r"|\b(asking|ask) (because|since|as|cos|cause) (mine|his|hers|my \w+) (is|are|does|do|has|have|did)\b"
    r"|\basking for (me|myself)\b(?=[^.!?]{0,40}\bhappening\b)|\b(it'?s|its|it is|this is)( \w+){0,2} happening( to (me|him|her))?( right)? now\b"
    r"|\b(i|he|she)('ve| have|'s| has) (had|got) (that|this|it|them)( \w+)? (for|since)\b"
    # "sheet says call for redness swelling or drainage. Ive got all three", "Is normal the fever 38.5? I have since
    # afternoon" (lookalikes k)
    r"|\b(i|he|she)('?ve| have|'s| has)? (got|have|has) (all|both) (three|two|four|of them|of those|of these|of that)\b"
    r"|\b(i|he|she) (have|has|got)( (it|that|this|them))? since\b"
    # "Do I still come in Thursday if I fell in the shower this morning?" (lookalikes j): an "if" about what happened
    r"|\bif (i|he|she|mum|mom|dad) (fell|fainted|passed out|blacked out|had|got|was|were|went|started|noticed)\b"
    r"[^.!?]{0,40}\b(this (morning|afternoon|evening)|last night|yesterday|earlier|(an|\d+) (hours?|mins?|minutes?) ago)\b", re.I)

# "If the pain gets severe and the pills dont help, can I take an extra one?" (lookalikes f and k): the whole "if"
# clause up to the question is the condition, though ConText's "if" ends at "and the". Not when the clause tells
# of now, nor past a comma ("if I sit up, my legs go numb, should I worry?" tells what happens).
_CONDITION_THEN_QUESTION = re.compile(
    r"(?:^|[.!?]\s+)\W*((um|uh|so|ok|okay|hi|hello|well|and|but|question|my question is|i wanted to ask|i want to ask|"
    r"quick question)\W+){0,4}(what if|if|in case)\b(?P<condition>[^,.!?;]+?)"
    r"(,\s*|\s+)(then\s+)?(can|could|should|shall|do|would|will|must) (i|we|he|she|you|they)\b", re.I)
# "if my legs are numb since this morning should I go to the ER?": an "if" that tells of now is a report
_IF_TELLS_NOW = re.compile(r"\bif\b(?P<condition>[^,.!?;]{0,60}?\b(since (this|last|yesterday|lunch|breakfast|dinner|\d|i|the|my)|"
                           r"right now|rn|currently|at the moment|for (the (last|past) )?(\d+|two|three|four|five|six|"
                           r"a few|several) (hours?|days?))\b)", re.I)
_TELLS_NOW = re.compile(r"\b(now|rn|currently|at the moment|tonight|today|this (morning|afternoon|evening)|since|"
                        r"already|again|still)\b", re.I)


@dataclass(frozen=True)
class Finding:
    code: str
    label: str
    level: str
    text: str
    negated: bool = False
    hypothetical: bool = False
    historical: bool = False
    other_person: bool = False
    temperature_f: Optional[float] = None
    sentence: str = ""  # the sentence it was found in

    @property
    def affirmed(self) -> bool:
        """The patient has it now: not denied, not 'what if', not in the past, not someone else."""
        return not (self.negated or self.hypothetical or self.historical or self.other_person)


def _within(ent, ranges) -> bool:
    return any(a <= ent.start_char and ent.end_char <= b for a, b in ranges)


def _told(finding: "Finding") -> "Finding":
    """A sign the message turns out to have now: no longer only asked about (denied, past or someone else's stays)."""
    if finding.hypothetical and not (finding.negated or finding.historical or finding.other_person):
        return replace(finding, hypothetical=False)
    return finding


@dataclass(frozen=True)
class Assessment:
    findings: List[Finding] = field(default_factory=list)

    @property
    def affirmed(self) -> List[Finding]:
        return [f for f in self.findings if f.affirmed]

    @property
    def alarms(self) -> List[Finding]:
        """What the patient has now at urgent or higher: what the net may doubt."""
        return [f for f in self.affirmed if rank(f.level) >= rank("urgent")]

    @property
    def level(self) -> Optional[str]:
        """The highest level among the symptoms the patient has now; None when there are none."""
        level = None
        for finding in self.affirmed:
            level = higher_level(finding.level, level)
        return level

    @property
    def codes(self) -> List[str]:
        return sorted({f.code for f in self.affirmed})

    @property
    def follow_ups(self) -> List[str]:
        """What to ask before the level is set: never for an emergency, which is told at once."""
        if self.level in (None, "emergency"):
            return []
        missing = any(f.code == "fever" and f.temperature_f is None for f in self.affirmed)
        return families_for(self.codes, temperature_missing=missing)

    @property
    def asked_about_codes(self) -> List[str]:
        """Symptoms only asked about ("should I watch out for numbness?"): not denied, not past, not someone else's."""
        return sorted({f.code for f in self.findings if f.hypothetical and not (f.negated or f.historical
                                                                                 or f.other_person)})

    @property
    def mentioned_codes(self) -> List[str]:
        """Symptoms mentioned but not had now (asked about, denied, past): worth general information."""
        return sorted({f.code for f in self.findings if not f.affirmed})


class Triage:
    """Builds the pipeline once; `assess` is then pure and fast."""

    def __init__(self, lexicon: Optional[Lexicon] = None, fever_threshold_f: float = 100.4,
                 normal_temperature_max_f: Optional[float] = None) -> None:
        self.lexicon = lexicon or load_lexicon()
        self.fever_threshold_f = fever_threshold_f
        self.normal_temperature_max_f = normal_temperature_max_f  # a reading at or below it is no fever at all
        self.nlp = build_pipeline(self.lexicon)

    def assess(self, text: str) -> Assessment:
        return self.analyse(text)[1]

    def analyse(self, text: str):
        """The spaCy doc (sentences, ConText modifiers) and the findings of the lexicon."""
        doc = self.nlp(text or "")
        if not text or not text.strip():
            return doc, Assessment()
        # whether the writer is the (well) patient is a property of the whole message: read it once
        well_patient_writes = bool(_WRITER_PLANS.search(text) or (_WRITER_WELL.search(text)
                                                                   and _WRITER_IS_PATIENT.search(text)))
        denies_all = bool(_DENIES_ALL.search(text)) or bool(_JUST_ASKING.search(text) and not HAS_IT_NOW.search(text))
        spans = list(doc.spans.get(TARGETS, ()))
        findings = [self._finding(ent, well_patient_writes, denies_all) for ent in spans]
        conditions = [m.span("condition") for m in _CONDITION_THEN_QUESTION.finditer(text)
                      if not _TELLS_NOW.search(m.group("condition"))]
        told = [m.span("condition") for m in _IF_TELLS_NOW.finditer(text)]
        findings = [replace(f, hypothetical=True) if _within(ent, conditions) else _told(f) if _within(ent, told) else f
                    for f, ent in zip(findings, spans)]
        if _ASKED_BECAUSE_NOW.search(text):
            findings = [_told(f) for f in findings]
        return doc, Assessment(findings)

    def _finding(self, ent, well_patient_writes: bool, denies_all: bool) -> Finding:
        flag = self.lexicon.by_code(ent.label_)
        level, temperature, normal = flag.level, None, False
        before = ent.doc.text[ent.sent.start_char:ent.start_char]
        # "in hay fever season"; "the cutoff on the sheet is 100.4" (batch 34): no fever the patient has
        after = ent.doc.text[ent.end_char:ent.sent.end_char]
        if flag.code == "fever" and (_NOT_A_FEVER.search(before) or is_reference(before) or _NOT_A_FEVER_AFTER.match(after)):
            return Finding(code=flag.code, label=flag.label, level=level, text=ent.text, negated=True)
        if flag.code == "fever":
            # the finding's own reading ("98.0 today") before the sentence's first ("100.8 on saturday")
            temperature = find_temperature_f(ent.text)
            temperature = find_temperature_f(ent.sent.text) if temperature is None else temperature
            # a reading below the threshold is no fever, but chills or shaking beside it still are (data/triage/README.md)
            shivering = bool(_SHIVERING.search(ent.text))
            if temperature is not None and temperature < self.fever_threshold_f and not shivering:
                level = "soon"
            normal = (temperature is not None and self.normal_temperature_max_f is not None
                      and temperature <= self.normal_temperature_max_f and not shivering)
        # the finding may hold its subject ("wife fell")
        subject = _LIVES_WITH_ME.sub("", before + ent.text)
        relatives = bool(ent._.is_family) or (well_patient_writes and bool(
            _RELATIVE_FIRST.search(subject) or _RELATIVE_HAS.search(subject)))
        # "My wife gets confused": a sign the lexicon read with its subject is not the writer's own (batch 34)
        writers_own = _WRITERS_OWN.search(before) and not re.match(rf"{_RELATIVE}\b", ent.text, re.I)
        other_person = not writers_own and (
            (relatives and (not _PROXY_PRESENT.search(ent.sent.text) or well_patient_writes)) or any(
                modifier.category == "OTHER_PERSON" for modifier in ent._.modifiers) or _still_someone_else(
                ent.sent.text, before))
        # thoughts of suicide are never left as someone else's: anyone at risk now is told the crisis line and 911
        other_person = other_person and flag.code != "crisis"
        return Finding(
            code=flag.code, label=flag.label, level=level, text=ent.text,
            negated=bool(ent._.is_negated) or normal or (denies_all and (ent.sent.text.rstrip().endswith("?")
                                                                      or bool(_JUST_ASKING.search(ent.sent.text)))),
            # "Will this pain ever end? if it doesn't I'm going to end it myself": a threat said as a condition is still
            # a crisis (lookalikes f): only a denial or the past silence it
            hypothetical=bool(ent._.is_hypothetical) and flag.code != "crisis",
            historical=bool(ent._.is_historical) or _told_of_the_past(before), other_person=other_person,
            temperature_f=temperature, sentence=ent.sent.text,
        )
