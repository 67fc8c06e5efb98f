"""The clinic page and its chat widget in a real browser, against the real Rasa and action servers: what a
patient sees and can do (answers, the emergency banner and its call link, quick replies, a reload, the
keyboard alone, a small phone, 200% zoom) and an automated accessibility check (axe-core)."""
from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from bot.clinic import load_profile
from bot.web.server import tel_href
from tests.web.chat import STORAGE_KEY, Chat

PROFILE = load_profile()


def texts(bubbles) -> list:
    return [bubble.locator(".cw-text").inner_text() for bubble in bubbles]


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def has_visible_focus(page: Page) -> bool:
    return page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }""")


def test_a_question_gets_the_knowledge_base_answer_with_its_sources(page, page_url, shot):
    chat = Chat(page).open(page_url)
    replies = chat.say("what is kyphoplasty")
    answer = replies[0]
    expect(answer).to_have_attribute("data-topic", "what_kyphoplasty")
    assert "balloon" in answer.inner_text()
    assert texts(replies)[-1].startswith("I am an automated assistant")  # first reply: the disclaimer
    expect(page.locator(".cw-entry--user .cw-msg").last).to_contain_text("what is kyphoplasty")
    answer.locator(".cw-sources summary").click()
    expect(answer.locator(".cw-sources li").first).to_contain_text("the clinic's own patient page")
    expect(page.locator(".cw-banner")).to_have_count(0)
    shot(page, "answer")


def test_a_red_flag_shows_the_emergency_banner_with_a_call_link(page, page_url, shot):
    chat = Chat(page).open(page_url)
    chat.say("I have chest pain")
    banner = page.locator(".cw-alert[role=alert] .cw-banner--emergency")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(f"Call {PROFILE.emergency_number} now")
    call = banner.get_by_role("link", name=f"Call {PROFILE.emergency_number}")
    expect(call).to_have_attribute("href", tel_href(PROFILE.emergency_number))
    expect(call).to_be_in_viewport()
    box = call.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44  # a target an unsteady finger can hit
    panel, hint = page.locator(".cw").bounding_box(), page.locator(".cw-hint").bounding_box()
    assert hint["y"] + hint["height"] <= panel["y"] + panel["height"]  # the message box is not pushed out
    shot(page, "emergency")

    page.reload()  # a reload keeps the banner: the number to call must not vanish
    expect(page.locator(".cw-banner--emergency").get_by_role("link", name=f"Call {PROFILE.emergency_number}")).to_be_visible()


def test_an_urgent_symptom_shows_the_banner_with_the_number_for_this_hour(page, page_url):
    chat = Chat(page).open(page_url)
    chat.say("i have a fever of 102")
    banner = page.locator(".cw-alert .cw-banner--urgent")
    expect(banner).to_be_visible()
    number = PROFILE.number_for_now()
    expect(banner.get_by_role("link", name=f"Call {number}")).to_have_attribute("href", tel_href(number))
    expect(page.locator(".cw-banner--emergency")).to_have_count(0)


def test_a_quick_reply_sends_its_payload_and_shows_its_title(page, page_url, shot):
    chat = Chat(page).open(page_url)
    chat.say("zzqx blorp")
    buttons = page.locator(".cw-quick[role=group] .cw-quick-button")
    expect(buttons.first).to_be_visible()
    assert buttons.count() >= 2
    shot(page, "quick-replies")
    title = buttons.first.inner_text()
    before = chat.bot_count()
    buttons.first.click()
    replies = chat.wait_for_reply(before)
    expect(page.locator(".cw-entry--user .cw-msg").last).to_have_text(re.compile(rf"{re.escape(title)}$"))
    assert not any(t.startswith("/") for t in page.locator(".cw-entry--user .cw-text").all_inner_texts())
    assert replies[0].get_attribute("data-topic")  # the payload's intent was answered from the knowledge base
    expect(page.locator(".cw-quick")).to_have_count(0)  # used: the old choices are gone


def test_a_reload_keeps_the_conversation(page, page_url):
    chat = Chat(page).open(page_url)
    chat.say("how long before i can drive again")
    shown = page.locator(".cw-msg .cw-text").all_inner_texts()
    sender = chat.stored()["sender"]

    page.reload()
    expect(chat.input).to_be_visible()
    assert page.locator(".cw-msg .cw-text").all_inner_texts() == shown
    assert chat.stored()["sender"] == sender
    # the server sees the same conversation: no second first-reply disclaimer
    replies = chat.say("thank you")
    assert not any(t.startswith("I am an automated assistant") for t in texts(replies))


def test_a_transcript_older_than_the_clinic_setting_is_forgotten(page, page_url):
    chat = Chat(page).open(page_url)
    chat.say("how long before i can drive again")
    sender = chat.stored()["sender"]
    assert chat.stored()["savedAt"] > 0
    hours = json.loads(page.evaluate("fetch('/config.json').then(r => r.text())"))["transcript_hours"]
    # the computer is used again later than the setting allows (the transcript was saved that long ago)
    page.evaluate(f"""() => {{ const s = JSON.parse(localStorage.getItem('{STORAGE_KEY}'));
                              s.savedAt = Date.now() - ({hours} * 3600 + 60) * 1000;
                              localStorage.setItem('{STORAGE_KEY}', JSON.stringify(s)); }}""")
    page.reload()
    expect(chat.input).to_be_visible()
    assert page.locator(".cw-msg--user").count() == 0
    assert "drive" not in " ".join(page.locator(".cw-msg .cw-text").all_inner_texts())
    chat.say("hello")
    assert chat.stored()["sender"] != sender  # a new conversation


def test_the_chat_works_with_the_keyboard_alone(page, page_url, shot):
    page.goto(page_url)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").startswith("Skip to the chat")
    assert has_visible_focus(page)
    page.keyboard.press("Enter")
    expect(page.locator("#cw-input")).to_be_focused()

    chat = Chat(page)
    before = chat.bot_count()
    page.keyboard.type("zzqx blorp")
    page.keyboard.press("Enter")
    chat.wait_for_reply(before)
    assert page.evaluate("document.activeElement.id") == "cw-input"  # focus stays in the message box
    assert has_visible_focus(page)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "cw-send"
    assert has_visible_focus(page)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")  # back past the message box: the last suggested reply
    assert "cw-quick-button" in page.evaluate("document.activeElement.className")
    assert has_visible_focus(page)
    shot(page, "keyboard-focus")
    title = page.evaluate("document.activeElement.textContent")
    before = chat.bot_count()
    page.keyboard.press("Enter")
    chat.wait_for_reply(before)
    expect(page.locator(".cw-entry--user .cw-msg").last).to_contain_text(title)
    assert page.evaluate("document.activeElement.id") == "cw-input"


def test_a_link_to_the_chat_lands_in_the_message_box(page, page_url):
    page.goto(page_url + "#chat")
    expect(page.locator("#cw-input")).to_be_focused()


def test_a_360px_wide_phone(browser, page_url, shot):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(page_url)
        assert no_horizontal_scroll(page)
        page.get_by_role("link", name="Ask our assistant", exact=True).click()
        expect(page.locator("#cw-input")).to_be_focused()
        chat = Chat(page)
        chat.say("I have chest pain")
        call = page.locator(".cw-banner--emergency .cw-call")
        expect(call).to_be_in_viewport()
        for locator in (call, chat.input, page.locator(".cw-send")):
            box = locator.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360, locator
        assert no_horizontal_scroll(page)
        shot(page, "phone-360")
    finally:
        context.close()


def test_200_percent_zoom(browser, page_url, shot):
    # 200% zoom of a 1280x800 window: half the CSS pixels, twice the device pixels
    context = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2)
    page = context.new_page()
    try:
        chat = Chat(page).open(page_url)
        assert no_horizontal_scroll(page)
        main, chat_box = page.locator("main").bounding_box(), page.locator(".cw").bounding_box()
        assert chat_box["y"] >= main["y"] + main["height"]  # one column: the chat is below the text, not squeezed
        chat.input.scroll_into_view_if_needed()
        replies = chat.say("what is vertebroplasty")
        expect(replies[0]).to_have_attribute("data-topic", "what_vertebroplasty")
        assert no_horizontal_scroll(page)
        shot(page, "zoom-200")
    finally:
        context.close()


SERIOUS = ("serious", "critical")


def test_no_serious_accessibility_violations(page, page_url, shot):
    from axe_playwright_python.sync_playwright import Axe

    chat = Chat(page).open(page_url)
    axe = Axe()
    options = {"resultTypes": ["violations"]}
    before = axe.run(page, options=options).response["violations"]
    chat.say("what is kyphoplasty")
    chat.say("I have chest pain")
    chat.say("zzqx blorp")
    shot(page, "conversation", doc=True)
    page.locator(".cw-sources summary").first.click()
    during = axe.run(page, options=options).response["violations"]
    page.set_viewport_size({"width": 360, "height": 740})
    narrow = axe.run(page, options=options).response["violations"]
    found = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
             for v in before + during + narrow if v["impact"] in SERIOUS]
    assert not found, "\n".join(found)


def test_start_over_clears_this_device_and_starts_a_new_conversation(page, page_url):
    chat = Chat(page).open(page_url)
    chat.say("hello")
    sender = chat.stored()["sender"]
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Start over").click()
    expect(page.locator(".cw-msg")).to_have_count(0)
    assert chat.stored()["sender"] != sender and chat.stored()["entries"] == []
    assert page.evaluate("document.activeElement.id") == "cw-input"
