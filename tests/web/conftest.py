"""Browser tests of the clinic page: the real Rasa and action servers (tests/e2e/servers.py), the page's own
server (`python -m bot.web.server`) on a free port, and Debian's Chromium driven by Playwright.

Chromium comes from Debian (`make test` installs it; Playwright's own browser downloads are not used).
Screenshots go to var/artifacts/; WEB_SCREENSHOT_DOC=1 also refreshes docs/screenshot-chat.png."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.servers import BIN, ROOT, Assistant, Service, free_port

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "var" / "artifacts"


@pytest.fixture(scope="session")
def web_port():
    return free_port()


@pytest.fixture(scope="session")
def web_assistant(tmp_path_factory, web_port):
    # CORS for the page's own origin only, as in production
    running = Assistant(tmp_path_factory.mktemp("web-assistant"), cors=[f"http://127.0.0.1:{web_port}"]).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def page_url(web_assistant, web_port, tmp_path_factory):
    port = web_port
    env = dict(web_assistant.env, WEB_PORT=str(port), WEB_HOST="127.0.0.1")
    log = tmp_path_factory.mktemp("web") / "web.log"
    server = Service("web server", [str(BIN / "python"), "-m", "bot.web.server"], env, log,
                     f"http://127.0.0.1:{port}/health")
    server.start(timeout=30)
    yield f"http://127.0.0.1:{port}/"
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def context(browser):
    """A fresh browser profile per test (its own localStorage, so its own conversation)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context):
    opened = context.new_page()
    errors = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture()
def shot(request):
    """shot(page, name): a screenshot in var/artifacts/<test>-<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, doc: bool = False, **kwargs) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png".replace("/", "_")
        page.screenshot(path=str(path), **kwargs)
        if doc and os.environ.get("WEB_SCREENSHOT_DOC") == "1":
            shutil.copyfile(path, ROOT / "docs" / "screenshot-chat.png")
        return path

    return take

