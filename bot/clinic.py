"""The clinic profile (data/kb/clinic.yml): numbers, hours, time zone, holidays and clinical settings,
and who to call at a given moment."""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot import clock
from bot.config import kb_dir

logger = logging.getLogger(__name__)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ProfileError(ValueError):
    pass


@dataclass(frozen=True)
class ClinicProfile:
    name: str
    address: str
    timezone: str
    emergency_number: str
    office_phone: str
    on_call_phone: str
    hours: Dict[str, Tuple[time, time]]
    holidays: List[date]
    settings: Dict[str, dict]
    sample_data: bool = False

    def setting(self, key: str):
        if key not in self.settings:
            raise KeyError(f"clinic setting {key!r} is not in the clinic profile")
        return self.settings[key]["value"]

    def local_now(self, now: Optional[datetime] = None) -> datetime:
        return (now or clock.now()).astimezone(ZoneInfo(self.timezone))

    def is_open(self, now: Optional[datetime] = None) -> bool:
        local = self.local_now(now)
        if local.date() in self.holidays:
            return False
        opening = self.hours.get(DAYS[local.weekday()])
        return bool(opening) and opening[0] <= local.time() < opening[1]

    def number_for_now(self, now: Optional[datetime] = None) -> str:
        """The office during opening hours, the on-call line otherwise."""
        return self.office_phone if self.is_open(now) else self.on_call_phone

    def hours_text(self) -> str:
        """ "Mon–Thu 8 am–5 pm, Fri 8 am–4 pm (Chicago time)": days in a row with the same hours go together."""
        groups: List[List] = []  # [first day, last day, (start, end)]
        for day in DAYS:
            span = self.hours.get(day)
            if span and groups and groups[-1][2] == span and DAYS.index(groups[-1][1]) == DAYS.index(day) - 1:
                groups[-1][1] = day
            elif span:
                groups.append([day, day, span])
        parts = [(first.capitalize() if first == last else f"{first.capitalize()}–{last.capitalize()}")
                 + f" {_clock(start)}–{_clock(end)}" for first, last, (start, end) in groups]
        return ", ".join(parts) + f" ({self.timezone.split('/')[-1].replace('_', ' ')} time)"

    def placeholders(self) -> Dict[str, str]:
        """Values the knowledge-base answers may use as {placeholders}."""
        values = {key: _format_setting(entry["value"], entry.get("unit")) for key, entry in self.settings.items()}
        fever = self.settings.get("fever_threshold_f", {}).get("value")
        if fever is not None:  # "100.4 °F (38 °C)": both scales, and voice reads the degrees out
            values["fever_threshold"] = f"{fever:g} \u00b0F ({round((fever - 32) * 5 / 9, 1):g} \u00b0C)"
        values.update(
            clinic_name=self.name, address=self.address, emergency_number=self.emergency_number,
            office_phone=self.office_phone, on_call_phone=self.on_call_phone, hours_text=self.hours_text(),
        )
        return values


def _clock(moment: time) -> str:
    """8 am, 12:30 pm."""
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes} {'am' if moment.hour < 12 else 'pm'}"


KG_PER_POUND = 0.45359237


def _format_setting(value, unit: Optional[str] = None) -> str:
    """ "1 day", "2 days", "100.4": a setting as the answers say it."""
    number = f"{value:g}" if isinstance(value, float) else str(value)
    if not unit:
        return number
    said = f"{number} {unit}" if value == 1 else f"{number} {unit}s"
    if unit == "pound":  # patients outside the US ask in kilos: rounded down, never above the limit
        kilos = math.floor(value * KG_PER_POUND * 2) / 2
        said += f" (about {kilos:g} kg)" if kilos else ""
    return said


def _parse_time(text: str, where: str) -> time:
    try:
        return datetime.strptime(str(text), "%H:%M").time()
    except ValueError as exc:
        raise ProfileError(f"{where}: {text!r} is not a time like 08:00") from exc


def parse_profile(document: dict, where: str = "clinic.yml") -> ClinicProfile:
    try:
        raw = document["clinic"]
        try:
            ZoneInfo(raw["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ProfileError(f"{where}: timezone {raw['timezone']!r} is not a known time zone") from exc
        hours = {}
        for day, span in (raw.get("hours") or {}).items():
            if day not in DAYS or len(span) != 2:
                raise ProfileError(f"{where} hours.{day}: expected a weekday (mon..sun) with [open, close]")
            hours[day] = (_parse_time(span[0], f"{where} hours.{day}"), _parse_time(span[1], f"{where} hours.{day}"))
        settings = raw.get("settings") or {}
        for key, entry in settings.items():
            if not isinstance(entry, dict) or "value" not in entry or not entry.get("sources"):
                raise ProfileError(f"{where} settings.{key}: needs a value and its sources")
        return ClinicProfile(
            name=raw["name"], address=raw["address"], timezone=raw["timezone"],
            emergency_number=str(raw["emergency_number"]), office_phone=str(raw["phones"]["office"]),
            on_call_phone=str(raw["phones"]["on_call"]), hours=hours,
            holidays=[date.fromisoformat(str(day)) for day in raw.get("holidays") or []],
            settings=settings, sample_data=bool(raw.get("sample_data")),
        )
    except KeyError as exc:
        raise ProfileError(f"{where}: missing field {exc}") from exc
    except Exception as exc:  # a bad time zone or date
        if isinstance(exc, ProfileError):
            raise
        raise ProfileError(f"{where}: {exc}") from exc


_last_good: Dict[Path, ClinicProfile] = {}


def load_profile(path: Optional[Path] = None) -> ClinicProfile:
    """The clinic profile, read again whenever clinic.yml changes: a new phone number or holiday is used by the
    next message of every running process, with no restart. An edit that does not parse keeps the last good
    profile and is logged (a process that never read a good one raises: it must not start)."""
    path = Path(path) if path else kb_dir() / "clinic.yml"
    try:
        profile = _read_profile(path, path.stat().st_mtime_ns)
    except (ProfileError, OSError, yaml.YAMLError) as error:
        if path not in _last_good:
            raise
        logger.error("clinic profile %s not reloaded, the previous one stays in use: %s", path, error)
        return _last_good[path]
    _last_good[path] = profile
    return profile


@lru_cache(maxsize=8)
def _read_profile(path: Path, modified_ns: int) -> ClinicProfile:
    with open(path, encoding="utf-8") as handle:
        return parse_profile(yaml.safe_load(handle), where=str(path.name))
