"""The after-hours line end to end: requests shaped like Twilio's against the real Rasa server and action
server. SMS replies go out through the channel's real twilio Client to a Twilio API double
(tests/channels/twilio_double.py); voice replies are the TwiML of the webhook's answer."""
from __future__ import annotations

import re
import uuid

import pytest

from bot.clinic import load_profile
from tests.channels.twilio_line import (LINE_NUMBER, messages, new_phone, says, sms_form,
                                        voice_form)

PROFILE = load_profile()
DISCLAIMER_START = "I am an automated assistant"
SMS_EMERGENCY = f"This may be an emergency. Call {PROFILE.emergency_number} now; do not wait for a text reply."
SPOKEN_911 = " ".join(PROFILE.emergency_number)
VOICE_EMERGENCY = f"This may be an emergency. Hang up now and call {SPOKEN_911}."


def spoken(number: str) -> str:
    """"(555) 010-0100" -> "5 5 5, 0 1 0, 0 1 0 0"."""
    groups = re.findall(r"\d+", number)
    return ", ".join(" ".join(group) for group in groups)


def bodies(twilio_api, sender):
    return [m["Body"] for m in twilio_api.sent_to(sender)]


# ---------------------------------------------------------------- signatures

FORGERIES = {
    "no signature": dict(sign=False),
    "empty signature": dict(header=""),
    "signed with another token": dict(token="not-the-auth-token"),
    "garbage signature": dict(header="bm90IGEgc2lnbmF0dXJl"),
    "signed for another URL": dict(signed_url="https://attacker.example/webhooks/twilio/webhook"),
}


@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
def test_an_sms_without_a_valid_signature_is_refused_and_reaches_no_conversation(line, twilio_api, forgery):
    sender = new_phone()
    response = line.sms(sms_form(sender, "I have chest pain"), **forgery)
    assert response.status_code == 403
    assert line.events(sender) == []
    assert twilio_api.sent_to(sender) == []


def test_an_sms_whose_text_was_changed_after_signing_is_refused(line, twilio_api):
    sender = new_phone()
    signed = sms_form(sender, "what is kyphoplasty")
    response = line.sms({**signed, "Body": "I have chest pain"}, signed_form=signed)
    assert response.status_code == 403
    assert line.events(sender) == [] and twilio_api.sent_to(sender) == []


@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_call_without_a_valid_signature_is_refused_and_reaches_no_conversation(line, forgery):
    caller = new_phone()
    forgery = {**forgery, "signed_url": forgery["signed_url"].replace("twilio/", "twilio_voice/")} \
        if "signed_url" in forgery else forgery
    for form in (voice_form(caller, "CA" + uuid.uuid4().hex, status="ringing"),
                 voice_form(caller, "CA" + uuid.uuid4().hex, speech="I have chest pain")):
        response = line.voice(form, **forgery)
        assert response.status_code == 403
        assert "<Say" not in response.text
    assert line.events(caller) == []


def test_a_forged_message_between_signed_ones_is_not_in_the_conversation(line, twilio_api):
    sender = new_phone()
    assert line.sms(sms_form(sender, "hello")).status_code == 200
    assert line.sms(sms_form(sender, "I have chest pain"), token="not-the-auth-token").status_code == 403
    assert line.sms(sms_form(sender, "what is vertebroplasty")).status_code == 200
    assert line.user_texts(sender) == ["hello", "what is vertebroplasty"]
    assert not any("This may be an emergency" in body for body in bodies(twilio_api, sender))


def test_blank_fields_twilio_sends_are_part_of_the_signature(line, twilio_api):
    # Twilio posts empty fields (FromCity=, FromZip=...) and signs them; Sanic's request.form drops them
    sender = new_phone()
    form = sms_form(sender, "what is kyphoplasty", FromCity="", FromState="", FromZip="", FromCountry="US")
    assert line.sms(form).status_code == 200
    assert len(bodies(twilio_api, sender)) == 1


# ---------------------------------------------------------------- SMS replies

def test_an_sms_is_answered_through_the_twilio_api_in_one_plain_message_with_the_disclaimer_once(line, twilio_api):
    sender = new_phone()
    response = line.sms(sms_form(sender, "hello"))
    assert response.status_code == 200 and messages(response.text) == []  # nothing left to TwiML
    [sent] = twilio_api.sent_to(sender)
    assert sent["From"] == LINE_NUMBER and sent["account_sid"] == line.assistant.env["TWILIO_ACCOUNT_SID"]
    assert sent["Body"].startswith("Hello.")
    assert sent["Body"].endswith(f"I am not for emergencies: in an emergency, call {PROFILE.emergency_number}.")
    assert DISCLAIMER_START in sent["Body"]
    line.sms(sms_form(sender, "thanks"))
    later = bodies(twilio_api, sender)[1:]
    assert later and not any(DISCLAIMER_START in body for body in later)


def test_an_emergency_by_sms_starts_with_the_sms_instruction_and_keeps_its_metadata(line, twilio_api):
    sender = new_phone()
    line.sms(sms_form(sender, "hello"))
    line.sms(sms_form(sender, "I have chest pain"))
    [reply] = bodies(twilio_api, sender)[1:]
    assert reply.startswith(SMS_EMERGENCY)
    assert len(reply) <= 1600 and "{" not in reply and "**" not in reply
    customs = [e.get("data", {}).get("custom") for e in line.events(sender) if e.get("event") == "bot"]
    assert {"triage": "emergency", "call": PROFILE.emergency_number} in customs


def test_a_knowledge_answer_by_sms_is_plain_text_within_the_limit(line, twilio_api):
    sender = new_phone()
    line.sms(sms_form(sender, "what is the phone number of the clinic"))
    [reply] = bodies(twilio_api, sender)
    assert PROFILE.office_phone in reply and PROFILE.on_call_phone in reply
    assert len(reply) <= 1600 and not re.search(r"\*\*|__|\[[^\]]*\]\(", reply)


def test_options_come_as_a_numbered_list_and_a_number_chooses_one(line, twilio_api):
    sender = new_phone()
    line.sms(sms_form(sender, "xyzzy plugh"))  # no word of any topic: the clarifying options
    [reply] = bodies(twilio_api, sender)
    options = re.findall(r"^(\d)\. (.+)$", reply, flags=re.MULTILINE)
    assert [n for n, _ in options] == [str(i) for i in range(1, len(options) + 1)] and options
    assert "Reply with a number" in reply and "/" not in reply  # no payloads
    clarify = [e for e in line.events(sender) if e.get("event") == "bot" and (e.get("data") or {}).get("buttons")]
    payloads = [b["payload"] for b in clarify[-1]["data"]["buttons"]]
    number, title = options[-1]
    line.sms(sms_form(sender, number))
    assert line.user_texts(sender)[-1] == payloads[int(number) - 1]  # the option, not the digit
    topics = [e["data"]["custom"].get("topic") for e in line.events(sender)
              if e.get("event") == "bot" and (e.get("data") or {}).get("custom")]
    assert any(topics), "the chosen option was not answered from the knowledge base"
    assert "understand" not in bodies(twilio_api, sender)[-1]


def test_when_the_twilio_api_fails_the_reply_comes_back_as_twiml(line, twilio_api):
    sender = new_phone()
    twilio_api.failing_numbers.add(sender)
    response = line.sms(sms_form(sender, "I have chest pain"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    [reply] = messages(response.text)
    assert reply.startswith(SMS_EMERGENCY)
    assert len(twilio_api.sent_to(sender)) == 1  # tried once, then answered in the webhook's response


def test_an_empty_sms_gets_a_clear_reply(line, twilio_api):
    sender = new_phone()
    assert line.sms(sms_form(sender, "", NumMedia="1")).status_code == 200
    [reply] = bodies(twilio_api, sender)
    assert "didn't receive any words" in reply and PROFILE.emergency_number in reply


# ---------------------------------------------------------------- voice

def test_a_call_is_greeted_with_the_disclaimer_and_listened_to(line):
    caller = new_phone()
    response = line.voice(voice_form(caller, "CA" + uuid.uuid4().hex, status="ringing"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    spoken_texts = says(response.text)
    assert spoken_texts[0].startswith("Hello.")
    assert spoken_texts[-1].startswith(DISCLAIMER_START) and f"call {SPOKEN_911}." in spoken_texts[-1]
    assert '<Gather action="/webhooks/twilio_voice/webhook"' in response.text
    # the disclaimer again at the start of the next call from the same number, not within a call
    call = "CA" + uuid.uuid4().hex
    within = says(line.voice(voice_form(caller, call, speech="thank you")).text)
    assert not any(DISCLAIMER_START in s for s in within)
    next_call = says(line.voice(voice_form(caller, "CA" + uuid.uuid4().hex, status="ringing")).text)
    assert any(DISCLAIMER_START in s for s in next_call)


def test_an_emergency_call_says_the_instruction_first_and_last(line):
    caller, call = new_phone(), "CA" + uuid.uuid4().hex
    line.voice(voice_form(caller, call, status="ringing"))
    response = line.voice(voice_form(caller, call, speech="I have chest pain and I can't breathe"))
    spoken_texts = says(response.text)
    assert spoken_texts[0].startswith(VOICE_EMERGENCY)
    assert spoken_texts[-1] == spoken_texts[0]
    assert len(spoken_texts) >= 3  # the clinic's details in between
    everything = " ".join(spoken_texts)
    assert not re.search(r"\d\d", everything.replace("100.4", ""))  # every number digit by digit
    assert "http" not in everything and "www." not in everything


def test_the_clinic_numbers_are_read_digit_by_digit_without_links(line):
    caller = new_phone()
    response = line.voice(voice_form(caller, "CA" + uuid.uuid4().hex, speech="what is the phone number of the clinic"))
    everything = " ".join(says(response.text))
    assert spoken(PROFILE.office_phone) in everything and spoken(PROFILE.on_call_phone) in everything
    assert PROFILE.office_phone not in everything and "(555)" not in everything
    assert "http" not in everything and "<" not in everything


def test_silence_repeats_the_last_reply(line):
    caller, call = new_phone(), "CA" + uuid.uuid4().hex
    line.voice(voice_form(caller, call, status="ringing"))
    answered = says(line.voice(voice_form(caller, call, speech="I have chest pain")).text)
    repeated = says(line.voice(voice_form(caller, call)).text)  # Gather timed out: no SpeechResult
    assert repeated[0] == repeated[-1] == answered[0]
    assert line.user_texts(caller) == ["hello", "I have chest pain"]


def test_clarifying_options_are_spoken_not_shown(line):
    caller = new_phone()
    response = line.voice(voice_form(caller, "CA" + uuid.uuid4().hex, speech="xyzzy plugh"))
    spoken_texts = says(response.text)
    assert any(s.startswith("You can say: ") for s in spoken_texts)
    assert not any("/" in s for s in spoken_texts)  # no payloads
