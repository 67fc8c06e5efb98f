"""The widget's own safety in a real browser, with the REST channel's answers replaced by the test: hostile text
from the bot or the patient is shown as text, never as markup, and when the assistant cannot be reached the patient
still gets the numbers to call."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import Route, expect

from bot.clinic import load_profile
from bot.web.server import tel_href
from tests.web.chat import BOT, Chat

PROFILE = load_profile()


def _cors(route: Route, body=None, status: int = 200) -> None:
    headers = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "content-type",
               "Access-Control-Allow-Methods": "POST, OPTIONS"}
    if route.request.method == "OPTIONS":
        route.fulfill(status=204, headers=headers)
    else:
        route.fulfill(status=status, headers=headers, content_type="application/json", body=json.dumps(body))


HOSTILE = [
    {"text": "<img src=x onerror=\"window.__pwned = 1\"> <b>bold</b> &amp; <script>window.__pwned = 2</script>"},
    {"custom": {"topic": "x\"><i>t</i>", "sources": [
        {"id": "a", "title": "<u>source</u>", "url": "javascript:window.__pwned = 3"},
        {"id": "b", "title": "real", "url": "https://example.org/page"}]}},
    {"text": "Choose:", "buttons": [{"title": "<em>one</em>", "payload": "/ask_x"}]},
    {"custom": {"triage": "emergency", "call": "911\"><script>window.__pwned = 4</script>"}},
]


def test_bot_and_patient_text_is_shown_as_text_never_as_markup(page, page_url):
    page.route("**/webhooks/rest/webhook", lambda route: _cors(route, HOSTILE))
    chat = Chat(page).open(page_url)
    typed = "<img src=y onerror=\"window.__pwned = 5\">hello"
    chat.say(typed)
    log = page.locator(".cw-log")
    expect(log.locator("img, b, i, u, em, script")).to_have_count(0)
    expect(page.locator(".cw-alert script")).to_have_count(0)
    expect(page.locator(".cw-entry--user .cw-text").last).to_have_text(typed)
    expect(page.locator(BOT).first.locator(".cw-text")).to_contain_text("<b>bold</b>")
    expect(page.locator(".cw-quick-button")).to_have_text("<em>one</em>")
    page.locator(".cw-sources summary").click()
    assert page.locator(".cw-sources a").evaluate_all("links => links.map(a => a.href)") == ["https://example.org/page"]
    assert page.evaluate("window.__pwned") is None


@pytest.mark.parametrize("failure", ["network", "server error", "empty reply"])
def test_when_the_assistant_cannot_be_reached_the_patient_gets_the_numbers(page, page_url, failure):
    def handle(route: Route) -> None:
        if failure == "network" and route.request.method != "OPTIONS":
            route.abort()
        elif failure == "server error":
            _cors(route, {"error": "boom"}, status=500)
        else:
            _cors(route, [])

    page.route("**/webhooks/rest/webhook", handle)
    chat = Chat(page).open(page_url)
    [reply] = chat.say("I feel dizzy")
    text = reply.inner_text()
    assert PROFILE.number_for_now() in text and f"call {PROFILE.emergency_number}" in text
    expect(reply.get_by_role("link", name=PROFILE.number_for_now())).to_have_attribute(
        "href", tel_href(PROFILE.number_for_now()))
