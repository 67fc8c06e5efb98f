"""Shared fixtures: the triage pipeline is built once per session (it takes a few seconds); the clock is pinned."""
from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# One clock for the tests and the servers they start (which inherit it): the number for the hour a test expects is
# the one the servers give, even when a run crosses the clinic's opening or closing time. A Tuesday, 10:00 in
# Chicago, office hours; tests of after-hours routing set their own ASSISTANT_NOW.
os.environ.setdefault("ASSISTANT_NOW", "2026-11-24T16:00:00+00:00")


TESTS = Path(__file__).resolve().parent
# What the tests of a directory need (pytest.ini lists the markers); a module elsewhere marks itself.
DIRECTORY_NEEDS = {
    "e2e": ("servers",),
    "web": ("browser", "servers"),
    "scaled": ("servers", "postgres", "redis", "nginx"),
    "postgres": ("postgres", "servers"),
}


# fixtures that start the servers (tests/e2e/servers.py), wherever a test uses them
SERVER_FIXTURES = {"assistant", "line", "proxied_line", "guarded", "night", "web_assistant", "scaled"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        directory = Path(str(item.fspath)).resolve().relative_to(TESTS).parts[0]
        needs = set(DIRECTORY_NEEDS.get(directory, ()))
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            needs.add("servers")
        for need in sorted(needs):
            item.add_marker(need)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _missing(need: str):
    """Why what a test needs is not here, or None."""
    if need in ("model", "servers") and not (ROOT / "models" / "assistant.tar.gz").exists():
        return "no trained model: run `make train`"
    if need == "postgres" and not _listening(5432):
        return "PostgreSQL is not listening on 127.0.0.1:5432"
    if need == "redis" and not _listening(6379):
        return "Redis is not listening on 127.0.0.1:6379"
    if need == "nginx" and not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        return "nginx is not installed (make test installs Debian's)"
    if need == "browser" and not Path("/usr/bin/chromium").exists():
        return "Debian's chromium is not installed (make test installs it)"
    return None


def pytest_runtest_setup(item):
    """A test whose service is missing skips here with the reason, but fails in CI (CI=true)."""
    for need in ("model", "servers", "postgres", "redis", "nginx", "browser"):
        if item.get_closest_marker(need) and (why := _missing(need)):
            if os.environ.get("CI") == "true":
                pytest.fail(f"{need}: {why}", pytrace=False)
            pytest.skip(f"{need}: {why}")


@pytest.fixture(scope="session")
def triage():
    from bot.clinic import load_profile
    from bot.triage.decision import triage_for

    return triage_for(load_profile())  # the clinic's temperatures, as the assistant runs


@pytest.fixture(scope="session")
def engine(triage):
    """The assistant's decision: the lexicon with ConText, the learned net, typo correction (bot.triage.decision)."""
    from bot.triage.decision import build_engine

    return build_engine(triage)
