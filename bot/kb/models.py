"""SQLAlchemy models of the knowledge base and of the escalation log (SQLAlchemy 1.4, 2.0 style)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Date, DateTime, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

topic_sources = Table(
    "topic_sources",
    Base.metadata,
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
)

class Source(Base):
    __tablename__ = "sources"
    id = Column(String(80), primary_key=True)
    title = Column(String(300), nullable=False)
    url = Column(String(500))
    kind = Column(String(40), nullable=False)  # patient-education, guideline, study, clinic


class Topic(Base):
    """One answer a patient can get, with its sources and review trail."""

    __tablename__ = "topics"
    id = Column(String(80), primary_key=True)
    category = Column(String(40), nullable=False, index=True)
    title = Column(String(200), nullable=False)
    intent = Column(String(80), unique=True)
    answer = Column(Text, nullable=False)
    reviewed_by = Column(String(200), nullable=False)
    reviewed_on = Column(Date, nullable=False)
    sources = relationship(Source, secondary=topic_sources, lazy="selectin", order_by=Source.id)


class Escalation(Base):
    """A triage at `soon` or above, or a request for a person: no free text, only what the decision needs."""

    __tablename__ = "escalations"
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(120), nullable=False, index=True)
    level = Column(String(20), nullable=False, index=True)
    symptom_codes = Column(JSON, nullable=False, default=list)
    channel = Column(String(40))
    number_given = Column(String(40))
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow, index=True)


class UnansweredQuestion(Base):
    """A question the assistant could not answer: never its words, only what the classifier guessed, and where."""

    __tablename__ = "unanswered_questions"
    id = Column(Integer, primary_key=True)
    outcome = Column(String(20), nullable=False)  # offered_topics | gave_up (a second miss in a row)
    guesses = Column(JSON, nullable=False, default=list)  # [[topic, confidence], ...], likeliest first
    channel = Column(String(40))
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow, index=True)


class Alert(Base):
    """The on-call alert for an urgent or emergency escalation: delivered, or failed after its retries."""

    __tablename__ = "alerts"
    id = Column(Integer, primary_key=True)
    escalation_id = Column(ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False, index=True)
    status = Column(String(20), nullable=False)  # pending, sent, failed; repeat, held (not sent: bot/alerts.py)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(String(200))
    updated_at = Column(DateTime, nullable=False, default=datetime.utcnow)


class CallbackContact(Base):
    """The phone number to call a patient back on, for an escalation from SMS or voice: sealed with CONTACT_KEY
    (bot/identity.py), never in plain, and kept apart from the escalation so that purging it is one delete."""

    __tablename__ = "callback_contacts"
    escalation_id = Column(ForeignKey("escalations.id", ondelete="CASCADE"), primary_key=True)
    sealed_number = Column(Text, nullable=False)


__all__ = ["Base", "Source", "Topic", "Escalation", "Alert", "CallbackContact"]
