"""Red-flag triage: symptom lexicon (data), a spaCy + medspaCy ConText pipeline, and the disposition."""
from bot.triage.levels import LEVELS, higher_level
from bot.triage.triage import Assessment, Finding, Triage

__all__ = ["LEVELS", "higher_level", "Assessment", "Finding", "Triage"]
