"""An answer of several paragraphs leads with the one the question asks about (bot/kb/lead.py)."""
from bot.kb.lead import lead_with_asked

MOVING = ("Sit in a firm chair. Push up with your hands on the armrests.\n"
          "In bed, lie on your back or side. To get in and out of bed, roll like a log.\n"
          "To get into a car, sit on the edge of the seat first.")


def test_the_paragraph_asked_about_comes_first_and_nothing_is_lost():
    led = lead_with_asked(MOVING, "howto get outta bed after kyphoplasty without hurtin my back")
    assert led.startswith("In bed,")
    assert sorted(led.split("\n")) == sorted(MOVING.split("\n"))
    assert lead_with_asked(MOVING, "Getting into the car after vertebroplasty?").startswith("To get into a car")


def test_the_order_stays_when_the_first_paragraph_fits_as_well_or_nothing_is_named():
    assert lead_with_asked(MOVING, "How should I sit in a chair?") == MOVING
    assert lead_with_asked(MOVING, "what about after the procedure?") == MOVING  # no word of any paragraph
    assert lead_with_asked("One paragraph about beds.", "bed?") == "One paragraph about beds."
    assert lead_with_asked(MOVING, "") == MOVING


def test_no_answer_about_complications_has_paragraphs_to_reorder():
    # what to do about a warning sign is read in the order it is written: such answers keep one paragraph
    from pathlib import Path

    import yaml

    answers = yaml.safe_load((Path(__file__).resolve().parents[2] / "data" / "kb" / "answers" / "complications.yml")
                             .read_text(encoding="utf-8"))["answers"]
    assert answers and all("\n" not in a["text"] for a in answers)
