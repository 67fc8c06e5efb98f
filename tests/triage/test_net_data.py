"""The learned net's training data: what it reads as nothing to escalate."""
from bot.triage.net import Example, nlu_questions


def test_a_question_example_that_is_also_a_labelled_message_keeps_its_label(tmp_path):
    (tmp_path / "questions.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: ask_duration\n  examples: |\n'
        "    - is it normal to have numbness after the procedure\n    - how long does it take?\n", encoding="utf-8")
    labelled = [Example("Is it normal to have numbness after the procedure?", "urgent", ("new_numbness",))]
    assert [e.text for e in nlu_questions(tmp_path, labelled)] == ["how long does it take?"]

