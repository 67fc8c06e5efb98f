"""The X-Twilio-Signature check (bot.rasa.channels.twilio_webhook.TwilioSignature) on requests as Sanic parses them,
and behind a proxy (a public base URL) end to end."""
from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlencode

import pytest

from bot.rasa.channels.twilio_webhook import TwilioSignature, form_params
from tests.channels.twilio_line import Line, new_phone, signature, sms_form, voice_form
from tests.e2e.servers import Assistant

TOKEN = "a-test-auth-token"
FORM = {"From": "+15550100111", "To": "+15550100150", "Body": "what is kyphoplasty", "FromCity": ""}


def request(url: str, form: dict, header: str = None, content_type: str = "application/x-www-form-urlencoded"):
    path_and_query = url.split("://", 1)[1].split("/", 1)[1]
    path, _, query = ("/" + path_and_query).partition("?")
    headers = {} if header is None else {"X-Twilio-Signature": header}
    return SimpleNamespace(url=url, path=path, query_string=query, headers=headers, content_type=content_type,
                           body=urlencode(form).encode())


def check(checker: TwilioSignature, req) -> bool:
    return checker.is_valid(req, form_params(req))


def test_the_request_url_is_signed_by_default():
    url = "http://127.0.0.1:5005/webhooks/twilio/webhook"
    checker = TwilioSignature(TOKEN)
    assert check(checker, request(url, FORM, signature(url, FORM, TOKEN)))
    assert not check(checker, request(url, FORM, signature(url, FORM, "another-token")))
    assert not check(checker, request(url, {**FORM, "Body": "changed"}, signature(url, FORM, TOKEN)))
    assert not check(checker, request(url, FORM))


def test_behind_a_proxy_the_public_url_is_signed_with_its_path_and_query():
    local = "http://10.0.0.5:5005/webhooks/twilio_voice/webhook?attempt=2"
    public = "https://line.clinic.example/assistant/webhooks/twilio_voice/webhook?attempt=2"
    checker = TwilioSignature(TOKEN, public_url="https://line.clinic.example/assistant/")
    assert checker.url_for(request(local, FORM)) == public
    assert check(checker, request(local, FORM, signature(public, FORM, TOKEN)))
    assert not check(checker, request(local, FORM, signature(local, FORM, TOKEN)))


def test_blank_fields_count_and_a_body_that_is_not_a_form_is_not_trusted():
    url = "https://line.clinic.example/webhooks/twilio/webhook"
    checker = TwilioSignature(TOKEN)
    without_blank = {k: v for k, v in FORM.items() if v}
    assert check(checker, request(url, FORM, signature(url, FORM, TOKEN)))
    assert not check(checker, request(url, FORM, signature(url, without_blank, TOKEN)))
    assert form_params(request(url, FORM, content_type="application/json")) == {}


def test_a_channel_without_an_auth_token_does_not_start():
    with pytest.raises(Exception, match="auth_token"):
        TwilioSignature("")


@pytest.fixture(scope="module")
def proxied_line(tmp_path_factory):
    public = "https://after-hours.clinic.example/assistant"
    assistant = Assistant(tmp_path_factory.mktemp("proxied"), extra_env={"TWILIO_PUBLIC_URL": public})
    assistant.start()
    yield Line(assistant, public_url=public)
    assistant.stop()


def test_behind_a_proxy_twilio_signs_the_public_url_and_the_local_one_is_refused(proxied_line):
    caller, call = new_phone(), "CA" + "0" * 32
    local_url = f"{proxied_line.local}/webhooks/twilio_voice/webhook"
    refused = proxied_line.voice(voice_form(caller, call, status="ringing"), signed_url=local_url)
    assert refused.status_code == 403 and proxied_line.events(caller) == []
    answered = proxied_line.voice(voice_form(caller, call, status="ringing"))  # signed over the public URL
    assert answered.status_code == 200 and "<Say" in answered.text
    assert proxied_line.user_texts(caller) == ["hello"]
    sms_sender = new_phone()
    assert proxied_line.sms(sms_form(sms_sender, "hello"),
                            signed_url=f"{proxied_line.local}/webhooks/twilio/webhook").status_code == 403
    assert proxied_line.events(sms_sender) == []
