"""Days since the procedure, from the patient's words."""
import pytest

from bot.triage.timing import days_since_procedure


@pytest.mark.parametrize("text, days", [
    ("I had kyphoplasty 5 days ago", 5),
    ("it's been two weeks since the surgery", 14),
    ("my procedure was yesterday and my back is sore", 1),
    ("had the vertebroplasty a week ago", 7),
    ("surgery was 3 weeks back", 21),
    ("the procedure was this morning", 0),
    ("my operation was a couple of weeks ago", 14),
    ("I had kyphoplasty 5 days ago and have had pain since tuesday", 5),  # a past weekday: not a date to come
    ("my procedure was last monday, it's been 3 days ago now", 3),
])
def test_days_since_the_procedure(text, days):
    assert days_since_procedure(text) == days


@pytest.mark.parametrize("text", [
    "I have had back pain for 5 days",          # not about the procedure
    "when can I drive after the procedure",     # no time given
    "", "my mother is 92",
    # the procedure is still to come: "yesterday" is when the cough began, not the procedure
    "My mom came down with a fever and cough yesterday and her procedure is Monday. Should we still come?",
    "I'm booked for kyphoplasty next week and my back went again yesterday",
    "two days ago I started a cold, is that a problem before my procedure?",
])
def test_no_days_when_the_message_does_not_say(text):
    assert days_since_procedure(text) is None
