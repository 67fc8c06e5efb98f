"""Every urgent or emergency message the net learns from (data/triage/) is escalated at its level by the whole
decision. The net knows them, so a miss here is a rule of the lexicon or of ConText denying what the net found: five
such messages had slipped by unnoticed until round 41 ("he wont stay awake, keeps nodding off", a crisis told as
"finish the job"), because the suite only read data/triage/cases.yml."""
from __future__ import annotations

from pathlib import Path

import yaml

from bot.triage.levels import rank

DATA = Path(__file__).resolve().parents[2] / "data" / "triage"
FILES = sorted(DATA.glob("batch*.yml")) + sorted(DATA.glob("examples*.yml")) + sorted(DATA.glob("lookalikes*.yml"))


def _alarms():
    for path in FILES:
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("messages") or []:
            if item["level"] in ("urgent", "emergency"):
                yield path.name, item["text"], item["level"]


def test_every_alarm_of_the_nets_own_data_is_escalated_at_its_level(engine):
    from bot.triage.decision import TriageState

    alarms = list(_alarms())
    assert len(alarms) > 1000  # the data is there
    decided = [(name, expected, engine.decide(text, TriageState()).level, text) for name, text, expected in alarms]
    missed = [row for row in decided if rank(row[2]) < rank(row[1])]
    assert not missed, "\n".join(f"{n}: {e} -> {g}: {t}" for n, e, g, t in missed)
