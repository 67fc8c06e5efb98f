"""bot.triage.decision: the one clinical decision (both nets, ConText, typo correction, conversation state)."""
from __future__ import annotations

import pytest

from bot.triage.decision import TriageState


def level(engine, text):
    return engine.decide(text).level


@pytest.mark.parametrize("text", [
    "I have chest  pain", "I have chest\u00a0pain", "I have ch\u200best pain", "I have ｃｈｅｓｔ pain",
    "I have chest-pain", "/greet@0.99 I have chest pain", "I have chset pain", "i have chestpain",
])
def test_text_variants_and_typos_still_find_the_emergency(engine, text):
    assert level(engine, text) == "emergency"


@pytest.mark.parametrize("text, read", [
    ("canthe cement get into my lungs", "can the cement get into my lungs"),  # not "cant cement" (questions 41)
    ("my legsare numb", "my legs are numb"),
    ("i cant feel my legz", "i cant feel my legs"),
    ("blader accident", "bladder accident"),
])
def test_words_run_together_are_split_before_a_typo_is_corrected(engine, text, read):
    assert engine.read(text) == read


@pytest.mark.parametrize("text, read, level", [
    ("whats the phone numbr", "whats the phone number", None),  # not the commoner "numb" (questions 50)
    ("my legs are numbb", "my legs are numb", "emergency"),
    ("chset pain", "chest pain", "emergency"),
])
def test_of_equally_near_words_the_speller_keeps_the_typos_first_and_last_letters(engine, text, read, level):
    assert engine.read(text) == read
    assert engine.decide(text).level == level


@pytest.mark.parametrize("text, code", [
    ("my face is drooping on one side and my words come out slurred", "stroke_signs"),
    ("I passed out in the kitchen but I feel fine now", "fainting"),
    ("I can barely wake him, his breathing is very slow", "over_sedation"),
    ("mum is suddenly confused and doesn't know where she is", "confusion"),
    ("I feel hopeless and want to end it", "crisis"),
    ("I coughed up blood this morning", "coughing_blood"),
])
def test_911_conditions_of_the_clinical_review_are_emergencies(engine, text, code):
    decision = engine.decide(text)
    assert decision.level == "emergency" and code in decision.codes


@pytest.mark.parametrize("text", [
    "new pain down my leg since this morning", "sharp pain in my side when I take a deep breath",
    "I had a fall in the bathroom last night", "my calf is swollen and hurts", "my leg aches",
])
def test_urgent_flags_of_the_clinical_review(engine, text):
    assert level(engine, text) in ("urgent", "emergency")


def test_crisis_is_flagged_for_the_crisis_line(engine):
    assert engine.decide("I want to end my life").crisis
    assert not engine.decide("I have chest pain").crisis


@pytest.mark.parametrize("text", [
    "I have no chest pain and my breathing is fine",
    "should I watch out for numbness?",
    "is numbness in the legs normal after kyphoplasty?",
    "what if I get a fever?",
    "my neighbour had kyphoplasty and ended up with a fever",
    "I passed out once in my twenties when I gave blood",
    "my late father had a stroke at 70",
    "my husband had chest pain years ago",
    "I'm confused about when to stop my aspirin",
    "I fell asleep on the sofa",
])
def test_not_now_is_not_escalated(engine, text):
    assert level(engine, text) not in ("urgent", "emergency")


def test_a_crisis_guess_on_a_sentence_needs_a_crisis_word_when_that_sentence_is_plain_english(engine):
    # questions 47: the procedure's name elsewhere in the story had let the net's guess through, with no crisis word
    story = ("My husband and I have a trip planned to see our grandkids in Arizona over Easter. It's about nine hours "
             "in the car, and we'd probably split it over two days. My kyphoplasty is scheduled for three weeks before "
             "we leave. My husband wants to cancel but I really don't want to miss it. Will I be OK sitting in a car "
             "for that long?")
    assert "crisis" not in engine.decide(story).codes
    assert engine.decide("after the kyphoplasty i cant do this anymor, i want to go to sleep and not wake up").crisis


def test_a_story_that_ends_in_a_question_needs_a_sure_net_for_a_sentence_with_no_sign(engine):
    story = ("My neighbor had vertebroplasty and my best friend had kyphoplasty, and every time we have coffee they "
             "argue about which one is better. My surgeon has recommended kyphoplasty for me, but I didn't think to "
             "ask why. Now they've both got me second-guessing. Why would a doctor pick one over the other?")
    assert engine.decide(story).level is None
    # a sign the lexicon finds in one sentence of such a story still counts
    buried = ("My neighbor had vertebroplasty and my best friend had kyphoplasty, and every time we have coffee they "
              "argue about which one is better. Since this morning my legs have gone numb and I can't lift my feet. "
              "Why would a doctor pick one over the other?")
    assert engine.decide(buried).level == "emergency"


def test_a_question_about_a_symptom_is_mentioned_not_triaged(engine):
    decision = engine.decide("should I watch out for numbness?")
    assert decision.level is None and "new_numbness" in decision.mentioned


def test_a_symptom_neither_net_places_is_screened(engine):
    decision = engine.decide("I dont feel well")
    assert decision.level is None and decision.unplaced


def test_a_plain_question_is_not_screened(engine):
    assert not engine.decide("when can I drive again?").unplaced


@pytest.mark.parametrize("text", ["phone number", "whats the fax number", "bandaid off when"])
def test_a_number_or_a_plaster_coming_off_is_no_symptom(text, engine):
    # "number" once read as "numb...", and "off" alone as "feeling off": both got the 911 screen
    assert not engine.decide(text).unplaced


def test_feeling_off_is_still_screened(engine):
    assert engine.decide("I feel off").unplaced and engine.decide("he seems off").unplaced


def test_symptoms_add_up_over_turns_and_a_denied_one_is_dropped(engine):
    first = engine.decide("I have a fever of 101")
    assert first.state.by_code.get("fever") == "urgent"
    second = engine.decide("and I'm a bit tired", first.state)
    assert second.overall_level == "urgent"
    third = engine.decide("actually I have no fever, I was wrong", second.state)
    assert "fever" not in third.state.by_code


def test_a_detail_that_refers_back_is_assessed_with_the_turn_before(triage):
    """Without the net (which often places the second message alone), only the two turns together set the level."""
    from bot.triage.decision import build_engine

    lexicon_only = build_engine(triage, with_net=False)
    first = lexicon_only.decide("I have a headache")
    assert first.level is None and first.unplaced
    assert lexicon_only.decide("it gets much worse when I stand up").level is None
    second = lexicon_only.decide("it gets much worse when I stand up", first.state)
    assert second.level == "urgent" and second.refers_back and "positional_headache" in second.codes


def test_the_state_starts_empty():
    assert TriageState().highest_level is None


def _level_of(code, level):
    return {"fever": "urgent", "tiredness": "self_care", "pain_not_improving": "soon"}.get(code, level)


def test_outcome_symptoms_told_before_add_up_and_the_highest_wins():
    from bot.triage.decision import outcome

    result = outcome("self_care", ["tiredness"], {"fever": "urgent"}, _level_of)
    assert result.level == "urgent" and result.codes == ("fever", "tiredness")
    assert result.remembered == {"fever": "urgent", "tiredness": "self_care"}


def test_outcome_a_code_is_capped_at_this_turns_level():
    from bot.triage.decision import outcome

    # a temperature below the threshold: the fever flag is urgent, this turn is soon
    assert outcome("soon", ["fever"], {}, _level_of).remembered == {"fever": "soon"}


@pytest.mark.parametrize("days, level", [(3, "self_care"), (20, "soon"), (None, "soon")])
def test_outcome_pain_not_yet_better_is_expected_before_the_review_day(days, level):
    from bot.triage.decision import outcome

    assert outcome("soon", ["pain_not_improving"], {}, _level_of, days, 14).level == level


def test_the_answers_to_have_you_got_it_now_are_triaged_for_every_red_flag(engine):
    """After a question about a warning sign, the buttons send the flag's `yes_now` words or "No" (actions/answers.py):
    yes must be triaged at the sign's level or higher, no must escalate nothing."""
    from bot.triage.levels import rank

    wrong = [(flag.code, engine.decide(flag.yes_now).level) for flag in engine.triage.lexicon.red_flags
             if flag.level in ("emergency", "urgent") and rank(engine.decide(flag.yes_now).level) < rank(flag.level)]
    assert not wrong
    assert engine.decide("No").level is None


def test_denying_a_warning_sign_in_the_words_of_its_label_escalates_nothing(engine):
    """"No, I do not have loss of bladder or bowel control now" was an emergency: the lexicon did not know the label's
    own words, so ConText had nothing to negate and the net's guess stood."""
    from bot.triage.levels import rank

    wrong = [(flag.code, text, engine.decide(text).level) for flag in engine.triage.lexicon.red_flags
             if flag.level in ("emergency", "urgent")
             for text in (f"No, I do not have {flag.label} now", f"I don't have {flag.label}")
             if rank(engine.decide(text).level) >= rank("urgent")]
    assert not wrong


def test_a_question_about_a_sign_is_asked_about_not_a_denial(engine):
    assert engine.decide("should I watch out for numbness after the procedure?").asked_about == ("new_numbness",)
    assert engine.decide("no fever, can I drive?").asked_about == ()
    assert engine.decide("my mum had chest pain years ago, is that a problem?").asked_about == ()


class _SureNet:
    """A stand-in for the learned net: P(none) per text, nothing above it."""

    def __init__(self, none_by_text, doubt=0.97, question_doubt=None):
        from bot.triage.net import Thresholds

        self.none_by_text, self.thresholds = none_by_text, Thresholds(0.32, 0.45, doubt, question_doubt)

    def predict(self, texts):
        from bot.triage.net import CLASSES, NetPrediction

        return [NetPrediction(None, {c: (self.none_by_text(t) if c == "none" else 0.0) for c in CLASSES}, None)
                for t in texts]


def _with_net(engine, net):
    from bot.triage.decision import TriageEngine

    return TriageEngine(engine.triage, net, engine.speller)


def test_an_alarm_of_the_lexicon_alone_that_the_net_is_sure_is_nothing_is_asked_about_not_escalated(engine):
    decision = _with_net(engine, _SureNet(lambda t: 0.99)).decide("I have chest pain")
    assert decision.level is None and decision.doubted == ("chest_pain",)
    assert decision.asked_about == ("chest_pain",) and "chest_pain" in decision.mentioned


@pytest.mark.parametrize("none_by_text, doubt", [
    (lambda t: 0.96, 0.97),                                 # below the threshold
    (lambda t: 0.999, None),                                # no threshold chosen: never doubted
    (lambda t: 0.99 if "weather" in t else 0.2, 0.97),   # the sentence that holds the sign is not sure
])
def test_the_net_doubts_only_when_sure_of_the_message_and_of_the_sentence_holding_the_sign(engine, none_by_text, doubt):
    text = ("Lovely weather for the garden today and the roses are out at last, we sat outside for lunch. "
            "My legs went numb and weak an hour ago.")
    decision = _with_net(engine, _SureNet(none_by_text, doubt)).decide(text)
    assert decision.level == "emergency" and decision.doubted == ()


@pytest.mark.parametrize("text, doubted", [
    ("is coughing up blood a 911 thing or a GP thing?", True),       # a question that tells nothing of now
    ("would passing out after the op count as an emergency?", True),
    ("I'm coughing up blood, is that a 911 thing?", False),          # tells of now: the lexicon's alarm stands
    ("is it bad that my legs are numb?", False),
    ("coughing up blood a bit. 911 thing?", False),                  # the sign is told, not asked
    ("is a stroke possible from this procedure?", True),             # "this" names the procedure
    ("can you start coughing up blood after this?", True),
    ("is this coughing up blood a 911 thing?", False),               # "this" points at what the writer has
    ("is coughing up blood a 911 thing? because i have", False),     # the rest of the message says it is had
])
def test_a_sign_only_asked_about_in_a_question_is_doubted_from_a_lower_threshold(engine, text, doubted):
    decision = _with_net(engine, _SureNet(lambda t: 0.8, doubt=0.97, question_doubt=0.7)).decide(text)
    assert bool(decision.doubted) == doubted, decision
    assert (decision.level is None) == doubted


def test_thoughts_of_suicide_are_never_doubted(engine):
    decision = _with_net(engine, _SureNet(lambda t: 1.0)).decide("I want to end my life")
    assert decision.level == "emergency" and decision.crisis and decision.doubted == ()


@pytest.mark.parametrize("text, level", [
    ("is it normal to have numbness after the procedure?", "urgent"),
    ("Is it normal to feel short of breath after kyphoplasty", "emergency"),
    ("my wound is red and hot, is that normal for day 3?", "urgent"),
])
def test_a_sign_asked_about_as_is_it_normal_is_never_doubted(engine, text, level):
    """Patients ask it when they have it: the lexicon's alarm stands however sure the net is that it is a question."""
    decision = _with_net(engine, _SureNet(lambda t: 1.0)).decide(text)
    assert decision.level == level and decision.doubted == ()


def test_a_milder_sign_the_nets_agree_on_stays_beside_a_doubted_one(engine):
    decision = _with_net(engine, _SureNet(lambda t: 0.99)).decide("my back is a bit sore and I have chest pain")
    assert decision.doubted == ("chest_pain",) and decision.level is not None
    assert decision.asked_about == ("chest_pain",)


def test_killing_myself_laughing_is_a_figure_of_speech_but_killing_myself_is_not(engine):
    assert engine.decide("the nurses were so funny, I was killing myself laughing all afternoon").level is None
    assert engine.decide("some days I feel like killing myself since the fracture").crisis


@pytest.mark.parametrize("text", ["my back is really sore, my kyphoplasty is next week",
                                  "Dad is very tired and achy, his procedure is on Monday"])
def test_before_the_procedure_an_ache_is_for_office_hours_not_self_care(engine, text):
    decision = engine.decide(text)
    assert decision.level == "soon"
    assert "pain" not in decision.follow_ups


def test_after_the_procedure_the_same_ache_is_self_care(engine):
    assert engine.decide("my back is really sore since the kyphoplasty yesterday").level == "self_care"


def test_before_the_procedure_a_fever_is_still_urgent(engine):
    assert engine.decide("I have a fever and my procedure is on Monday, should I still come?").level == "urgent"


class _FixedNet:
    """A stand-in for the learned net: the same level probabilities and flag for every text."""

    def __init__(self, probabilities, code):
        from bot.triage.net import Thresholds

        self.probabilities, self.code, self.thresholds = probabilities, code, Thresholds(0.35, 0.42)
        self.code_levels = {"bruising": "self_care"}  # a sign the lexicon does not hold: its level from the data

    def predict(self, texts):
        from bot.triage.net import CLASSES, NetPrediction, RedFlagNet

        row = [self.probabilities.get(c, 0.0) for c in CLASSES]
        level = RedFlagNet.level_from(self, row)
        return [NetPrediction(level, dict(zip(CLASSES, row)), self.code if level else None) for _ in texts]


@pytest.mark.parametrize("probabilities, code, level", [
    # unsure of its level, naming a self-care sign: the sign's level, not the alarm
    ({"none": 0.05, "self_care": 0.29, "soon": 0.17, "urgent": 0.15, "emergency": 0.34}, "tiredness", "self_care"),
    # its likeliest level is the sign's (batch 34)
    ({"none": 0.1, "self_care": 0.46, "emergency": 0.44}, "bruising", "self_care"),
    # sure of the alarm: it stands even though the flag head names a self-care sign
    ({"none": 0.05, "self_care": 0.1, "emergency": 0.85}, "tiredness", "emergency"),
    # unsure, but naming an urgent sign: the threshold decides as always
    ({"none": 0.3, "self_care": 0.3, "urgent": 0.1, "emergency": 0.35}, "fever", "emergency"),
])
def test_the_nets_alarm_naming_a_sign_below_urgent_counts_only_when_sure(engine, probabilities, code, level):
    text = "Not complaining but I feel like a wet dishrag, I walk to the mailbox and want a nap"
    decision = _with_net(engine, _FixedNet(probabilities, code)).decide(text)
    assert decision.level == level, decision


def test_the_nets_own_featurising_gives_the_same_numbers_as_scikit_learns(engine):
    from bot.triage.net import featurise

    texts = ["my chest hurts", "coffing up blod tonite", "can I shower?", "", "Numb-ish legs since 2am!!"]
    stock = engine.net.features.transform(texts)
    ours = featurise(engine.net.features, texts)
    assert ours.shape == stock.shape and abs(ours - stock).max() < 1e-12


def test_the_nets_own_featurising_falls_back_for_settings_it_does_not_copy():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    from bot.triage.net import featurise

    texts = ["my chest hurts", "my chest hurts a lot, a lot", "can I shower?"]
    plain = FeatureUnion([("words", TfidfVectorizer(sublinear_tf=False))]).fit(texts)  # not the shortcut's settings
    assert abs(featurise(plain, texts) - plain.transform(texts)).max() < 1e-12


class _FellNet(_FixedNet):
    """A stand-in for the learned net that reads a fall into any "fell" and nothing else."""

    def __init__(self):
        super().__init__({"none": 0.4, "urgent": 0.6}, "fall")

    def predict(self, texts):
        from bot.triage.net import CLASSES, NetPrediction

        nothing = dict(zip(CLASSES, [1.0 if c == "none" else 0.0 for c in CLASSES]))
        return [super(_FellNet, self).predict([text])[0] if "fell" in text.lower() else NetPrediction(None, nothing, None)
                for text in texts]


@pytest.mark.parametrize("text, level", [
    ("I fell asleep on the sofa", None),   # the fall's idiom (the lexicon's net_idioms): read past, no fall is left
    ("my plans fell through", None),
    ("the dog jumped and I fell on the patio", "urgent"),
    ("I fell asleep and then fell off the sofa", "urgent"),  # a fall is still there without the idiom
])
def test_the_nets_guess_of_a_flag_for_its_idiom_alone_does_not_count(engine, text, level):
    assert _with_net(engine, _FellNet()).decide(text).level == level


def test_a_typo_in_one_training_message_is_still_corrected_and_a_word_of_two_is_known():
    from bot.triage.spelling import SpellingCorrector

    speller = SpellingCorrector(["chset pain since tuesday", "my kypho was monday", "kypho done, all fine"],
                                lexicon=["chest pain"])
    assert speller.correct("chset pain") == "chest pain"  # written once: a typo, not a word
    assert speller.correct("my kypho") == "my kypho"  # in two messages: a word of the patients


@pytest.mark.parametrize("text, code", [
    ("Mum's not making sense tonight, she keeps talking about her late husband coming home from work", "confusion"),
    ("I can't do anything for myself any more and lately I've been thinking about ending it all", "crisis"),
])
def test_a_relative_who_died_or_a_cant_do_denies_no_sign_of_the_patient(engine, text, code):
    decision = engine.decide(text)
    assert decision.level == "emergency" and code in decision.codes


def test_the_nets_sure_emergency_stands_against_contexts_reading(engine):
    """Where ConText reads the lexicon's sign as not the patient's now, the net's emergency counts only if it is sure."""
    from bot.triage.decision import SURE_EMERGENCY, TriageEngine
    from bot.triage.net import NetPrediction

    text = "no, I am not thinking about ending things"
    assessment = engine.triage.analyse(text)[1]
    assert [f.code for f in assessment.findings if not f.affirmed] == ["crisis"]

    def guess(p):
        return NetPrediction("emergency", {"none": 1 - p, "self_care": 0.0, "soon": 0.0, "urgent": 0.0, "emergency": p},
                             "crisis")

    assert TriageEngine._context_denies(assessment, text, guess(SURE_EMERGENCY - 0.05))
    assert not TriageEngine._context_denies(assessment, text, guess(SURE_EMERGENCY))
