"""The escalation log: triages at `soon` or above, requests for a person and doubted warning signs. No message
text is kept."""
from __future__ import annotations

from datetime import datetime
from typing import List, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.kb.models import CallbackContact, Escalation
from bot.triage.levels import rank

RECORDED_FROM = "soon"
HANDOFF = "handoff"  # a patient asked for a person
# a warning sign the lexicon found and the learned net read as nothing the patient has now: the patient was asked
# "Do you have it now?" with what to do if so. Recorded (never alerted) so that the clinic can review the doubt.
DOUBTED = "doubted"


def should_record(level: Optional[str]) -> bool:
    return level in (HANDOFF, DOUBTED) or rank(level) >= rank(RECORDED_FROM)


def record(session_maker: sessionmaker, conversation_id: str, level: str, symptom_codes: Sequence[str],
           channel: Optional[str], number_given: Optional[str], at: Optional[datetime] = None,
           sealed_contact: Optional[str] = None) -> Escalation:
    """`sealed_contact`: the number to call back on, as the SMS and voice channels sealed it (bot/identity.py)."""
    entry = Escalation(conversation_id=conversation_id[:120], level=level, symptom_codes=sorted(symptom_codes),
                       channel=(channel or "")[:40] or None, number_given=number_given,
                       created_at=at or datetime.utcnow())
    with session_maker.begin() as session:
        session.add(entry)
        if sealed_contact:
            session.flush()
            session.add(CallbackContact(escalation_id=entry.id, sealed_number=sealed_contact))
    return entry


def sealed_contact_of(session_maker: sessionmaker, escalation_id: int) -> Optional[str]:
    with session_maker() as session:
        contact = session.get(CallbackContact, escalation_id)
        return contact.sealed_number if contact else None


def list_escalations(session_maker: sessionmaker, level: Optional[str] = None,
                     since: Optional[datetime] = None, until: Optional[datetime] = None) -> List[Escalation]:
    query = select(Escalation).order_by(Escalation.created_at)
    if level:
        query = query.where(Escalation.level == level)
    if since:
        query = query.where(Escalation.created_at >= since)
    if until:
        query = query.where(Escalation.created_at < until)
    with session_maker() as session:
        return list(session.scalars(query))
