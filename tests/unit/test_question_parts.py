"""The separate questions of a message, which the NLU reads one by one for a second topic."""
import pytest

from bot.text.question_parts import question_parts


@pytest.mark.parametrize("text, parts", [
    ("How long does it take? And when can I drive?", ["How long does it take?", "And when can I drive?"]),
    ("can i shower and when can i drive", ["can i shower", "when can i drive"]),
    ("Is it covered by Medicare, and how much will I pay?", ["Is it covered by Medicare", "how much will I pay?"]),
    ("um so like how long is recovery and uh can I fly in two weeks",
     ["um so like how long is recovery", "can I fly in two weeks"]),
    # a story before one question is one question
    ("My mom is 88. She fell last year. Will she be awake during it?", ["Will she be awake during it?"]),
    ("I had it done monday. when can i golf", ["when can i golf"]),
    # "and" inside one question joins no second question
    ("can I eat and drink before the procedure?", ["can I eat and drink before the procedure?"]),
    ("driving?", []),
    # a few words listed are as many questions; SMS "n" joins a second question (questions 48)
    ("driving, lifting?", ["driving", "lifting"]),
    ("shower? driving?", ["shower", "driving"]),
    ("stairs / bath", ["stairs", "bath"]),
    ("shower tmrw ok? n when can i drive", ["shower tmrw ok?", "n when can i drive"]),
    ("pain meds, how often?", ["pain meds, how often?"]),
    ("Kyphoplasty versus vertebroplasty: what's the difference, and who qualifies for either?",
     ["Kyphoplasty versus vertebroplasty: what's the difference", "who qualifies for either?"]),
    ("My mum had it done in May, and when can she drive?", ["when can she drive?"]),
    ("", []),
])
def test_question_parts(text, parts):
    assert question_parts(text) == parts
