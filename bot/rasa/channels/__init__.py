"""Rasa input channels with the guards the assistant needs (no silence, first-reply disclaimer)."""
