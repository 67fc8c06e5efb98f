"""Failures that leave a gap in the clinic's records are logged at ERROR with a running count per kind."""
from __future__ import annotations

import logging

from bot.failures import counts, failure


def test_each_failure_is_logged_loudly_with_its_count(caplog):
    before = counts().get("test_gap", 0)
    with caplog.at_level(logging.ERROR, logger="bot.failures"):
        failure("test_gap", "escalation %s not recorded", 7)
        assert failure("test_gap", "escalation %s not recorded", 8) == before + 2
    assert [r.getMessage() for r in caplog.records] == [f"FAILURE test_gap #{before + 1}: escalation 7 not recorded",
                                                        f"FAILURE test_gap #{before + 2}: escalation 8 not recorded"]
    assert all(r.levelno == logging.ERROR for r in caplog.records)
