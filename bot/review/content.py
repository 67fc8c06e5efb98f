"""What a clinician reviews, item by item, as the patient sees it, with its sources."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import yaml

from bot.clinic import ClinicProfile, load_profile
from bot.config import PROJECT_ROOT, kb_dir as default_kb_dir
from bot import safety_texts
from bot.triage.disposition import decide
from bot.triage.lexicon import load_lexicon

DOMAIN = PROJECT_ROOT / "domain.yml"
# Domain responses that carry safety instructions: all of them are in the packet.
SAFETY_RESPONSES = ("utter_emergency", "utter_crisis", "utter_triage_failed", "utter_screen_", "utter_followup_",
                    "utter_ask_fu_", "utter_iamabot")


@dataclass(frozen=True)
class Item:
    key: str                                   # "answer:pain_relief", "flag:chest_pain", "setting:…", "sentence:…"
    kind: str                                  # answer | red flag | setting | safety sentence
    title: str
    text: str                                  # as the patient sees it, or the rule in words
    sources: Tuple[Tuple[str, str, str], ...]  # (id, title, url)

    @property
    def digest(self) -> str:
        signed = json.dumps([self.key, self.title, self.text, [s[0] for s in self.sources]], ensure_ascii=False)
        return hashlib.sha256(signed.encode("utf-8")).hexdigest()


def _read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _sources(ids, catalogue: Dict[str, dict]) -> Tuple[Tuple[str, str, str], ...]:
    return tuple((i, catalogue.get(i, {}).get("title", "(unknown source)"), catalogue.get(i, {}).get("url") or "")
                 for i in ids)


def collect(kb_dir: Optional[Path] = None, domain: Path = DOMAIN) -> List[Item]:
    kb_dir = Path(kb_dir) if kb_dir else default_kb_dir()
    profile = load_profile(kb_dir / "clinic.yml")
    catalogue = {s["id"]: s for s in _read(kb_dir / "sources.yml").get("sources") or []}
    placeholders = profile.placeholders()
    items: List[Item] = []
    for path in sorted((kb_dir / "answers").glob("*.yml")):
        for answer in _read(path).get("answers") or []:
            text = " ".join(answer["text"].split()).format_map(placeholders)
            items.append(Item(f"answer:{answer['topic']}", "answer", answer["title"], text,
                              _sources(answer["sources"], catalogue)))
    for flag in load_lexicon(kb_dir).red_flags:
        items.append(Item(f"flag:{flag.code}", "red flag", flag.label, f"level: {flag.level}",
                          _sources(flag.sources, catalogue)))
    for key, entry in sorted(profile.settings.items()):
        value = f"{entry['value']}" + (f" ({entry['unit']})" if entry.get("unit") else "")
        items.append(Item(f"setting:{key}", "setting", key, value, _sources(entry["sources"], catalogue)))
    items += _safety_sentences(profile, domain, _sources(["clinic_instructions"], catalogue))
    return items


def _safety_sentences(profile: ClinicProfile, domain: Path, sources: Tuple = ()) -> List[Item]:
    values = {"emergency_number": profile.emergency_number, "clinic_number": profile.number_for_now(),
              "crisis_line": str(profile.settings.get("crisis_line", {}).get("value", ""))}
    items = []
    for name, variants in sorted((_read(domain).get("responses") or {}).items()):
        if not name.startswith(SAFETY_RESPONSES):
            continue
        for variant in variants:
            channel = variant.get("channel", "web")
            text = variant.get("text", "").format_map(_Missing(values))
            items.append(Item(f"sentence:{name}:{channel}", "safety sentence", f"{name} ({channel})", text, ()))
    # The replies to a triaged symptom (data/kb/safety_texts.yml, dispositions), shown for one symptom at night.
    night = datetime(2026, 1, 6, 2, 0, tzinfo=ZoneInfo(profile.timezone))
    for level, label in (("emergency", "chest pain"), ("urgent", "fever"), ("soon", "pain that is not getting better"),
                         ("self_care", "tiredness")):
        text = decide(level, [label], [], profile, now=night).text
        items.append(Item(f"sentence:disposition:{level}", "safety sentence", f"reply for {level} (at night)", text, ()))
    crisis = decide("emergency", ["thoughts of ending your life"], ["crisis"], profile, now=night).text
    items.append(Item("sentence:disposition:crisis", "safety sentence", "reply after the crisis line", crisis, ()))
    for key in safety_texts.TEXTS:  # data/kb/safety_texts.yml: the guard, the actions' fallbacks, the widget
        items.append(Item(f"sentence:fixed:{key}", "safety sentence", key.replace("_", " "),
                          safety_texts.for_clinic(key, profile, night), sources))
    return items


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
