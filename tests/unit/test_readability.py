"""Every answer a patient can get is plain language: Flesch-Kincaid grade 8 or below, measured by textstat on the
text as shown (clinic settings filled in). docs/readability.md lists them all."""
import textstat

from bot.kb.readability import DOC, MAX_GRADE, grades, render


def test_every_answer_is_at_grade_8_or_below():
    too_hard = [(grade, topic) for grade, topic, _ in grades() if grade > MAX_GRADE]
    assert not too_hard, f"answers above grade {MAX_GRADE:g}: {too_hard}"


def test_the_measure_tells_hard_text_from_plain_text():
    # the check can fail: a sentence in the register of a journal abstract is far above grade 8
    journal = ("Percutaneous vertebral augmentation demonstrated statistically significant improvements in "
               "functional disability indices compared with conservative management in randomised populations.")
    assert textstat.flesch_kincaid_grade(journal) > MAX_GRADE
    assert textstat.flesch_kincaid_grade("Call the clinic if the pain gets worse. We are here to help.") < MAX_GRADE


def test_the_list_in_docs_is_current():
    assert DOC.read_text(encoding="utf-8") == render(grades()), "run: .venv/bin/python -m bot.kb.readability"
