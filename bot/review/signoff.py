"""Sign-offs: who signed which content version, and the snapshot of exactly what was signed
(data/kb/review/: `signoffs.yml`, append-only, and `signed.json`, the latest signed items)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from bot.config import kb_dir
from bot.review.content import Item



def default_review_dir() -> Path:
    return kb_dir() / "review"

SIGNED, CHANGED, NEW, REMOVED = "signed", "changed since the last sign-off", "new, never signed", "removed"


def version(items: List[Item]) -> str:
    """The content version: a digest of every item's digest."""
    joined = "\n".join(f"{item.key} {item.digest}" for item in sorted(items, key=lambda i: i.key))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Status:
    item: Item
    state: str
    signed_text: Optional[str] = None  # what was signed, when it has changed since


def signed_snapshot(review_dir: Optional[Path] = None) -> Dict[str, dict]:
    review_dir = review_dir or default_review_dir()
    path = review_dir / "signed.json"
    return json.loads(path.read_text(encoding="utf-8"))["items"] if path.exists() else {}


def signoffs(review_dir: Optional[Path] = None) -> List[dict]:
    review_dir = review_dir or default_review_dir()
    path = review_dir / "signoffs.yml"
    return list((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("signoffs") or []) if path.exists() else []


def statuses(items: List[Item], review_dir: Optional[Path] = None) -> List[Status]:
    snapshot = signed_snapshot(review_dir)
    result = []
    for item in items:
        signed = snapshot.get(item.key)
        if signed is None:
            result.append(Status(item, NEW))
        elif signed["digest"] == item.digest:
            result.append(Status(item, SIGNED))
        else:
            result.append(Status(item, CHANGED, signed["text"]))
    current = {item.key for item in items}
    for key, signed in snapshot.items():
        if key not in current:
            result.append(Status(Item(key, signed["kind"], signed["title"], "", ()), REMOVED, signed["text"]))
    return result


def sign(items: List[Item], reviewer: str, role: str, review_dir: Optional[Path] = None,
         on: Optional[date] = None) -> dict:
    """Records the sign-off of exactly these items by this reviewer, today."""
    if not reviewer.strip() or not role.strip():
        raise ValueError("a sign-off needs the reviewer's name and role")
    review_dir = review_dir or default_review_dir()
    review_dir.mkdir(parents=True, exist_ok=True)
    record = {"reviewer": reviewer.strip(), "role": role.strip(), "date": (on or date.today()).isoformat(),
              "version": version(items), "items": len(items)}
    snapshot = {item.key: {"kind": item.kind, "title": item.title, "text": item.text, "digest": item.digest}
                for item in items}
    (review_dir / "signed.json").write_text(
        json.dumps({"signoff": record, "items": snapshot}, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
        encoding="utf-8")
    history = signoffs(review_dir) + [record]
    (review_dir / "signoffs.yml").write_text(
        "# Clinician sign-offs of the assistant's content (python -m bot review sign). Append-only.\n"
        + yaml.safe_dump({"signoffs": history}, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return record


def unsigned(items: List[Item], review_dir: Optional[Path] = None) -> List[Status]:
    return [s for s in statuses(items, review_dir) if s.state != SIGNED]


def is_signed(key: str, items: List[Item], review_dir: Optional[Path] = None) -> bool:
    return any(s.item.key == key and s.state == SIGNED for s in statuses(items, review_dir))
