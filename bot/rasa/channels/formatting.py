"""Replies shaped for the after-hours line: SMS (plain text within Twilio's length limit) and voice
(what Twilio's text-to-speech reads: no links, no buttons, phone numbers digit by digit, the emergency
instruction first and last). Plain functions over the messages of one turn, as Rasa's output channels
collect them: dicts with `text`, `buttons`, `custom`, `image`, `attachment`."""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional

SMS_LIMIT = 1600  # Twilio rejects a longer body (error 21617)

# what the voice channel says when an action reports an emergency without the domain's instruction
VOICE_EMERGENCY = "This may be an emergency. Hang up and call {number} now."
SMS_OPTIONS = "Reply with a number, or ask in your own words:"
VOICE_OPTIONS = "You can say: {options}."

Message = Dict[str, Any]

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]]+[^\s<>\"'()\[\].,;:!?]", re.IGNORECASE)
_MD_LINK = re.compile(r"\[([^\]\n]{1,300})\]\(\s*((?:https?://|www\.|mailto:|tel:)[^)\s]*)\s*\)", re.IGNORECASE)
_MD_IMAGE = re.compile(r"!\[([^\]\n]{0,300})\]\(\s*[^)\s]*\s*\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.DOTALL)
_EM_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_EM_UNDERSCORE = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_CODE = re.compile(r"`{1,3}([^`]*)`{1,3}")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.MULTILINE)
_QUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?", re.MULTILINE)
_BULLET = re.compile(r"^[ \t]*[*+\u2022-][ \t]+", re.MULTILINE)
_RULE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$", re.MULTILINE)
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0E\uFE0F\u200D\u20E3]")

# SMS: characters outside the GSM 7-bit alphabet make a message UCS-2 (67 characters a segment, not 153)
_SMS_CHARACTERS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2026": "...", "\u00a0": " ", "\u2022": "-", "\u00b7": "-",
}
_DEGREES = re.compile(r"\s?\u00b0\s?([FC])\b")

# Voice: a North American number (with or without +1 and parentheses), or a 7-digit local number
_PHONE = re.compile(
    r"(?<![\w+-])(?:(?P<country>\+?1)[ .-]?)?(?:\((?P<area1>\d{3})\)|(?P<area2>\d{3}))[ .-]?"
    r"(?P<exchange>\d{3})[ .-]?(?P<line>\d{4})(?![\w-])"
)
_LOCAL_PHONE = re.compile(r"(?<![\w+.-])(?P<exchange>\d{3})-(?P<line>\d{4})(?![\w-])")
_DANGLING = r"(?:\s*\b(?:and|or)\s+)?(?:\b(?:at|on|see|visit|via|from|here)\s*:?\s+)?"  # words left without the link


def _protect_urls(text: str) -> (str, List[str]):
    urls: List[str] = []

    def keep(match: re.Match) -> str:
        urls.append(match.group(0))
        return f"\x00{len(urls) - 1}\x00"

    return _URL.sub(keep, text), urls


def _restore_urls(text: str, urls: List[str]) -> str:
    return re.sub(r"\x00(\d+)\x00", lambda m: urls[int(m.group(1))], text)


def strip_markdown(text: str, link: str = "{label} ({url})") -> str:
    """The words of a markdown text without its markup; links become `link` (label and url)."""
    text = _MD_IMAGE.sub(lambda m: m.group(1), text)
    text = _MD_LINK.sub(lambda m: link.format(label=m.group(1).strip(), url=m.group(2)), text)
    text, urls = _protect_urls(text)  # underscores and asterisks inside addresses are not emphasis
    text = _CODE.sub(lambda m: m.group(1), text)
    for pattern in (_BOLD, _STRIKE):
        text = pattern.sub(lambda m: m.group(2) if m.re is _BOLD else m.group(1), text)
    text = _EM_STAR.sub(lambda m: m.group(1), text)
    text = _EM_UNDERSCORE.sub(lambda m: m.group(1), text)
    text = _RULE.sub("", text)
    text = _HEADING.sub("", text)
    text = _QUOTE.sub("", text)
    text = _BULLET.sub("- ", text)
    return _restore_urls(text, urls)


def _tidy(text: str, keep_newlines: bool) -> str:
    if keep_newlines:
        text = re.sub(r"[ \t]+", " ", text)
        text = re.sub(r" *\n *", "\n", text)
        text = re.sub(r"\n{3,}", "\n\n", text)
    else:
        text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text)
    text = re.sub(r"([.!?])[.]+(?!\.)", r"\1", text) if not keep_newlines else text
    return text.strip()


# ---------------------------------------------------------------- SMS

def sms_text(text: Optional[str]) -> str:
    """Plain SMS text: no markdown (links become `label: url`), no emoji, GSM-friendly punctuation."""
    if not text:
        return ""
    text = strip_markdown(str(text), link="{label}: {url}")
    text = _DEGREES.sub(lambda m: f" degrees {m.group(1)}", text)
    text = "".join(_SMS_CHARACTERS.get(ch, ch) for ch in text)
    text = _EMOJI.sub("", text)
    return _tidy(text, keep_newlines=True)


def _button_titles(buttons: Any) -> List[str]:
    titles = []
    for button in buttons or []:
        title = button.get("title") if isinstance(button, dict) else None
        if title and str(title).strip():
            titles.append(str(title).strip())
    return titles


def sms_options(buttons: Any) -> str:
    """Buttons as a short numbered list; a reply with the number is taken as that button (see twilio.py)."""
    titles = _button_titles(buttons)
    if not titles:
        return ""
    return "\n".join([SMS_OPTIONS] + [f"{i}. {sms_text(title)}" for i, title in enumerate(titles, 1)])


def sms_reply(messages: Iterable[Message]) -> str:
    """The whole reply of one turn as one plain text, in the order the messages came."""
    parts: List[str] = []
    for message in messages:
        text = sms_text(message.get("text"))
        if text:
            parts.append(text)
        options = sms_options(message.get("buttons") or message.get("quick_replies"))
        if options:
            parts.append(options)
        if message.get("image"):
            parts.append(str(message["image"]))
        attachment = message.get("attachment")
        if isinstance(attachment, str) and _URL.fullmatch(attachment.strip()):
            parts.append(attachment.strip())
    return "\n\n".join(parts)


def _pieces(text: str, level: int) -> (List[str], str):
    if level == 0:
        return text.split("\n\n"), "\n\n"
    if level == 1:
        return text.split("\n"), "\n"
    if level == 2:
        return re.split(r"(?<=[.!?])[ \t]+", text), " "
    return text.split(" "), " "


def _split(text: str, limit: int, level: int = 0) -> List[str]:
    if len(text) <= limit:
        return [text]
    if level > 3:
        return [text[i:i + limit] for i in range(0, len(text), limit)]
    pieces, separator = _pieces(text, level)
    chunks: List[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{separator}{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        if len(piece) <= limit:
            current = piece
        else:
            parts = _split(piece, limit, level + 1)
            chunks.extend(parts[:-1])
            current = parts[-1]
    if current:
        chunks.append(current)
    return [chunk.strip() for chunk in chunks if chunk.strip()]


def split_sms(text: str, limit: int = SMS_LIMIT) -> List[str]:
    """Bodies of at most `limit` characters, split between paragraphs, then lines, sentences, words; when
    there are several, each starts with "(i/n) " so that a reader can put them in order."""
    text = text.strip()
    if not text:
        return []
    if len(text) <= limit:
        return [text]
    count = 2
    while True:
        prefix_length = len(f"({count}/{count}) ")
        chunks = _split(text, limit - prefix_length)
        if len(chunks) <= count or len(str(len(chunks))) == len(str(count)):
            break
        count = len(chunks)
    return [f"({i}/{len(chunks)}) {chunk}" for i, chunk in enumerate(chunks, 1)]


def sms_bodies(messages: Iterable[Message], limit: int = SMS_LIMIT) -> List[str]:
    return split_sms(sms_reply(messages), limit)


# ---------------------------------------------------------------- voice

def _digits(number: str) -> str:
    return " ".join(ch for ch in number if ch.isdigit())


def speak_numbers(text: str, emergency_number: Optional[str] = None) -> str:
    """Phone numbers digit by digit, groups separated by a pause: "(555) 010-0100" -> "5 5 5, 0 1 0, 0 1 0 0";
    the emergency number too ("911" -> "9 1 1")."""

    def phone(match: re.Match) -> str:
        groups = [match.group("country"), match.group("area1") or match.group("area2"),
                  match.group("exchange"), match.group("line")]
        return ", ".join(_digits(group) for group in groups if group)

    text = _PHONE.sub(phone, text)
    text = _LOCAL_PHONE.sub(lambda m: f"{_digits(m.group('exchange'))}, {_digits(m.group('line'))}", text)
    if emergency_number and emergency_number.isdigit() and len(emergency_number) <= 4:
        text = re.sub(rf"(?<![\w.,]){re.escape(emergency_number)}(?![\w]|[.,]\d)", _digits(emergency_number), text)
    return text


def voice_text(text: Optional[str], emergency_number: Optional[str] = None) -> str:
    """What text-to-speech should read: no markup, no links, no emoji, numbers to dial digit by digit."""
    if not text:
        return ""
    text = _MD_IMAGE.sub("", str(text))
    text = strip_markdown(text, link="{label}")
    text = re.sub(_DANGLING + _URL.pattern, "", text, flags=re.IGNORECASE)
    text = re.sub(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b", "", text)  # e-mail addresses
    text = _EMOJI.sub("", text)
    text = _DEGREES.sub(lambda m: " degrees " + ("Fahrenheit" if m.group(1) == "F" else "Celsius"), text)
    text = "".join(_SMS_CHARACTERS.get(ch, ch) for ch in text).replace("&", " and ")
    # list items and lines become sentences
    lines = [line.strip(" -") for line in text.splitlines()]
    text = " ".join(line if re.search(r"[.!?:;,]$", line) else line + "." for line in lines if line)
    text = speak_numbers(text, emergency_number)
    return _tidy(text, keep_newlines=False)


def voice_options(buttons: Any) -> str:
    """Buttons are not read as buttons; their titles become a sentence of things to ask about."""
    titles = [re.sub(r"[.?!:]+$", "", voice_text(title)) for title in _button_titles(buttons)]
    titles = [title for title in titles if title]
    if not titles:
        return ""
    options = titles[0] if len(titles) == 1 else "; ".join(titles[:-1]) + "; or " + titles[-1]
    return VOICE_OPTIONS.format(options=options)


def _custom(message: Message) -> Dict[str, Any]:
    custom = message.get("custom")
    return custom if isinstance(custom, dict) else {}


def is_emergency(message: Message) -> bool:
    return _custom(message).get("triage") == "emergency"


def voice_says(messages: Iterable[Message], emergency_number: str) -> List[str]:
    """The sentences to say for one turn, in order. When the turn carries {"triage": "emergency"}, the
    emergency instruction comes first and is repeated last: the domain's instruction when it is the first
    message of the turn (utter_emergency, channel variation twilio_voice), else VOICE_EMERGENCY."""
    messages = list(messages)
    says: List[str] = []
    instruction: Optional[str] = None
    call_number: Optional[str] = None
    for message in messages:
        text = voice_text(message.get("text"), emergency_number)
        if is_emergency(message):
            call_number = call_number or _custom(message).get("call")
            if text and instruction is None and not says:
                instruction = text
                continue
        if text:
            says.append(text)
        options = voice_options(message.get("buttons") or message.get("quick_replies"))
        if options:
            says.append(options)
    if instruction is None and any(is_emergency(m) for m in messages):
        number = str(call_number or emergency_number)
        instruction = voice_text(VOICE_EMERGENCY.format(number=number), emergency_number)
    if instruction is None:
        return says
    return [instruction] + [say for say in says if say != instruction] + [instruction]
