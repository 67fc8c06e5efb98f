"""Every message is normalised before the classifier or the red-flag detector reads it: the same words must
give the same triage whatever keyboard, phone or copy-paste produced them ("chest  pain", "chest\u00a0pain",
"ch\u200best pain", "ｃｈｅｓｔ pain", "chest-pain")."""
from __future__ import annotations

import re
import unicodedata

# Long enough for any message a patient types (about 900 words), short enough that one message cannot stall the
# others: the red-flag detector's cost grows faster than the length (5,000 characters took 0.19 s here, 20,000
# took 1.5 s, during which every other conversation waited). Past it, the start and the end are kept (half each):
# a red flag at either end of a very long message is still found, one in the middle of it is not.
MAX_CHARS = 5000

# Only the buttons' own payloads may be Rasa commands ("/ask_driving"); any other "/…" is the patient's text.
BUTTON_PAYLOAD = re.compile(r"/ask_[a-z_]{1,60}")

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"'})
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212-"
_HYPHEN_BETWEEN_WORDS = re.compile(rf"(?<=[^\W\d_])[{_DASHES}]+(?=[^\W\d_])")
_WHITESPACE = re.compile(r"\s+")
_MARKUP = re.compile(r"<[^>]{0,200}>")


def _visible(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cf":  # zero-width spaces and joiners, soft hyphens, direction marks: invisible, dropped
        return ""
    if category in ("Cc", "Co", "Cs", "Cn") or char == "\ufffd":  # control bytes, broken or unknown characters
        return " "
    return char


def normalize(text: object) -> str:
    """NFKC, invisible characters dropped, markup tags and control bytes made spaces, typographic quotes made
    plain, a hyphen between two words made a space, every kind of whitespace one space, at most MAX_CHARS."""
    return normalized_and_cut(text)[0]


def normalized_and_cut(text: object) -> "tuple[str, bool]":
    """normalize(text), and whether it had to be cut to MAX_CHARS."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if len(text) > MAX_CHARS * 4:
        text = text[: MAX_CHARS * 2] + " " + text[-MAX_CHARS * 2:]
    text = unicodedata.normalize("NFKC", text)
    text = "".join(_visible(char) if not char.isspace() else " " for char in text)
    text = _MARKUP.sub(" ", text).translate(_QUOTES)
    text = _HYPHEN_BETWEEN_WORDS.sub(" ", text)
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) <= MAX_CHARS:
        return text, False
    return text[: MAX_CHARS // 2].rstrip() + " … " + text[-(MAX_CHARS // 2):].lstrip(), True


def patient_text(text: object) -> str:
    """The message as the assistant reads it: normalised, and never a Rasa command unless it is a button's
    payload ("/greet@0.99 my chest hurts" is read as words)."""
    return patient_text_and_cut(text)[0]


def patient_text_and_cut(text: object) -> "tuple[str, bool]":
    """patient_text(text), and whether it had to be cut to MAX_CHARS."""
    text, cut = normalized_and_cut(text)
    if text.startswith("/") and not BUTTON_PAYLOAD.fullmatch(text):
        text = text.lstrip("/ ").strip()
    return text, cut
