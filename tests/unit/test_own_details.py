"""The sentence after a general answer that names the asker's own condition, medicine or activity (data/kb/own_details.yml)."""
import textstat
import yaml

from bot.clinic import load_profile
from bot.kb.own_details import DETAILS, detail_sentences, load_details
from bot.kb.readability import MAX_GRADE

PLACEHOLDERS = load_profile().placeholders()
SOURCES = {s["id"] for s in yaml.safe_load((DETAILS.parent / "sources.yml").read_text())["sources"]}


def sentences(question, answer="Most people are awake but sedated."):
    return detail_sentences(question, answer, PLACEHOLDERS)


def test_a_named_condition_the_answer_does_not_name_gets_a_sentence_and_whom_to_call():
    [sentence] = sentences("My dad has dementia and gets agitated in new places. Will he be awake?")
    assert sentence.kind == "condition"
    assert sentence.text.startswith("You mentioned dementia.")
    assert PLACEHOLDERS["office_phone"] in sentence.text


def test_a_word_the_answer_already_names_adds_nothing():
    assert sentences("Can I take Tylenol?", "Acetaminophen (Tylenol): adults should not take more than ...") == []
    assert sentences("what is kyphoplasty") == []


def test_only_whole_words_count():
    assert sentences("thanks for the guidance, what happens on the day?") == []  # "dance" inside "guidance"
    assert sentences("my swimming pool") and sentences("my swimming pool")[0].kind == "activity"


def test_two_things_of_a_kind_are_named_together_and_the_number_is_given_once():
    found = sentences("I have type 2 diabetes and take metformin and insulin. What do I do on the morning?")
    assert [s.kind for s in found] == ["condition", "medicine"]
    assert "metformin and insulin" in found[1].text and "with them" in found[1].text
    assert sum(PLACEHOLDERS["office_phone"] in s.text for s in found) == 1


def test_an_activity_alone_says_who_decides_without_a_phone_number():
    [sentence] = sentences("back to golf", "After the first 24 hours, slowly do more.")
    assert sentence.text.startswith("You asked about golf.") and "care team" in sentence.text


def test_every_sentence_cites_known_sources_and_is_plain_language():
    closing, kinds = load_details()
    for kind in kinds:
        assert kind.sources and set(kind.sources) <= SOURCES, kind.name
        text = kind.sentence.format_map({**PLACEHOLDERS, "things": "golf", "it": "it"}) + " " + \
            closing.format_map(PLACEHOLDERS)
        assert textstat.flesch_kincaid_grade(text) <= MAX_GRADE, kind.name


def test_a_named_job_says_who_decides_the_return_to_physical_work():
    [sentence] = sentences("I'm a mechanic, under cars all day and lifting tires. When can I go back?",
                           "When you can go back depends on your job. At a desk, sitting may be hard at first.")
    assert sentence.kind == "job" and sentence.text.startswith("About your work (mechanic)")
    assert "care team" in sentence.text and PLACEHOLDERS["office_phone"] not in sentence.text


def test_a_named_insurer_points_to_the_plan_and_the_billing_office():
    [sentence] = sentences("is it covered by bcbs", "Medicare and many insurance plans cover it.")
    assert sentence.kind == "insurer" and sentence.text.startswith("You mentioned bcbs.")
    assert PLACEHOLDERS["billing_contact"] in sentence.text and PLACEHOLDERS["office_phone"] not in sentence.text


def test_a_condition_beside_a_job_still_gets_the_office_number_once():
    found = sentences("I have diabetes and I'm a chef. When can I work again?", "It depends on your job.")
    assert [s.kind for s in found] == ["condition", "job"]
    assert sum(PLACEHOLDERS["office_phone"] in s.text for s in found) == 1


def test_a_ride_service_says_the_clinic_decides_and_gives_the_office_number():
    [sentence] = sentences("Can he take an Uber home alone after his kyphoplasty?", "Plan for an adult to drive you.")
    assert sentence.kind == "ride" and sentence.text.startswith("You asked about Uber.")
    assert PLACEHOLDERS["office_phone"] in sentence.text


def test_a_nurse_named_as_a_job_counts_but_not_the_nurse_who_said_something():
    assert [s.kind for s in sentences("I'm a nurse on twelve hour shifts, when can I go back?", "It depends.")] == ["job"]
    assert sentences("the nurse said I can go back to work soon, when exactly?", "It depends.") == []


def test_the_cement_travelling_is_not_the_patients_travel():
    from bot.kb.own_details import detail_sentences

    asked = "I have read that a small amount of the cement may travel to the lungs. How likely is this?"
    answer = "Sometimes cement travels through a vein to the lungs."
    assert [s.kind for s in detail_sentences(asked, answer, {"office_phone": "555"})] == []
    trip = detail_sentences("Can I travel two weeks after kyphoplasty?", "Walk every day.", {"office_phone": "555"})
    assert [s.kind for s in trip] == ["activity"] and "about travel." in trip[0].text
