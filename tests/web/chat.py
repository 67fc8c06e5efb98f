"""The chat widget as a patient uses it in the browser tests: type, press Enter, read the turn's replies."""
from __future__ import annotations

import json

from playwright.sync_api import Page, expect

STORAGE_KEY = "clinic-chat:v1"
BOT = ".cw-entry--bot .cw-msg"


class Chat:
    """The widget as a patient uses it: type, press Enter, read the replies of that turn."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.input = page.locator("#cw-input")

    def open(self, url: str) -> "Chat":
        self.page.goto(url)
        expect(self.input).to_be_visible()
        return self

    def bot_count(self) -> int:
        return self.page.locator(BOT).count()

    def wait_for_reply(self, before: int) -> list:
        # Locator waits, not wait_for_function: the page's CSP forbids the eval that its polling needs.
        expect(self.page.locator(BOT).nth(before)).to_be_attached()
        expect(self.page.locator(".cw-typing")).to_be_hidden()
        return self.page.locator(BOT).all()[before:]

    def say(self, text: str) -> list:
        before = self.bot_count()
        self.input.fill(text)
        self.input.press("Enter")
        return self.wait_for_reply(before)

    def stored(self) -> dict:
        return json.loads(self.page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')"))
